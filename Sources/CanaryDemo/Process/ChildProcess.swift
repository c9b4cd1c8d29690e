import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process the demo started: spawned with posix_spawn so its signal
/// dispositions start clean (the demo itself ignores SIGINT to handle it) and
/// its output goes to a log file; it stays in the demo's process group, so a
/// Ctrl-C at the terminal or a test killing the group reaches it too.
final class ChildProcess {
    let name: String
    let pid: pid_t
    let logPath: String
    private(set) var exitStatus: Int32?

    private init(name: String, pid: pid_t, logPath: String) {
        self.name = name
        self.pid = pid
        self.logPath = logPath
    }

    static func spawn(name: String, executable: String, arguments: [String], logPath: String) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGPIPE, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) }
        // The environment from ProcessInfo: the C `environ` global is not
        // concurrency-safe to touch from Swift 6.
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = (argv + [nil]).withUnsafeBufferPointer { args in
            (envp + [nil]).withUnsafeBufferPointer { env in
                posix_spawn(&pid, executable, &actions, &attributes,
                            UnsafeMutablePointer(mutating: args.baseAddress!), UnsafeMutablePointer(mutating: env.baseAddress!))
            }
        }
        guard rc == 0 else {
            throw DemoError("could not start \(name) (\(executable)): \(String(cString: strerror(rc)))")
        }
        return ChildProcess(name: name, pid: pid, logPath: logPath)
    }

    /// Reaps the process if it exited; true while it runs.
    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid || (rc == -1 && errno == ECHILD) {
            exitStatus = status
            return false
        }
        return true
    }

    func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Waits up to `timeout` for the process to exit; true if it did.
    @discardableResult
    func wait(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(10_000)
        }
        return true
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    func stop(grace: Duration = .seconds(3)) {
        send(SIGTERM)
        if !wait(timeout: grace) {
            send(SIGKILL)
            wait(timeout: .seconds(2))
        }
    }
}

/// Why the demo could not run, in a sentence.
struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) {
        self.description = description
    }
}
