import CCanarySpawn
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A process the demo (or a demo test) started: spawned with posix_spawn so
/// its signal dispositions start clean (a ServiceGroup ignores SIGINT and
/// SIGTERM in its own process to handle them) and its output goes to a log
/// file. By default it stays in the starter's process group, so a Ctrl-C at
/// the terminal or a test killing the group reaches it too; with
/// `ownProcessGroup` it leads a group of its own, which `signalGroup` and
/// `groupAlive` address (how a test removes a demo and all it started).
public final class ChildProcess: Sendable {
    public let name: String
    public let pid: pid_t
    public let logPath: String
    public let ownsProcessGroup: Bool
    private let exitStatus = Mutex<Int32?>(nil)

    private init(name: String, pid: pid_t, logPath: String, ownsProcessGroup: Bool) {
        self.name = name
        self.pid = pid
        self.logPath = logPath
        self.ownsProcessGroup = ownsProcessGroup
    }

    /// Starts `executable ARGUMENTS` with stdin from /dev/null and stdout and
    /// stderr appended to `logPath` (truncated first with `truncateLog`).
    public static func spawn(name: String, executable: String, arguments: [String], logPath: String,
                             ownProcessGroup: Bool = false, truncateLog: Bool = false) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | (truncateLog ? O_TRUNC : O_APPEND), 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: a socket inherited by a child stays open
        // until the child exits, whoever closes it here (an HTTP connection
        // this process closed would go on looking open to its peer). A C
        // library older than glibc 2.34 has no such action (ENOSYS): the
        // child inherits what is not close-on-exec, as it did before.
        let closing = canary_spawn_close_from(&actions, 3)
        guard closing == 0 || closing == ENOSYS else {
            throw DemoError("could not start \(name): posix_spawn cannot close inherited descriptors: \(String(cString: strerror(closing)))")
        }

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
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

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
        return ChildProcess(name: name, pid: pid, logPath: logPath, ownsProcessGroup: ownProcessGroup)
    }

    /// Reaps the process if it exited; true while it runs.
    public var isRunning: Bool {
        exitStatus.withLock { exit in
            guard exit == nil else { return false }
            var status: Int32 = 0
            let rc = waitpid(pid, &status, WNOHANG)
            if rc == pid || (rc == -1 && errno == ECHILD) {
                exit = status
                return false
            }
            return true
        }
    }

    public func send(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Signals every process of the group this child leads (and so
    /// whatever it started that stayed in it); nothing if it leads none.
    public func signalGroup(_ signal: Int32) {
        guard ownsProcessGroup else { return }
        kill(-pid, signal)
        _ = isRunning
    }

    /// True while any process of the group this child leads still runs.
    public var groupAlive: Bool { ownsProcessGroup && kill(-pid, 0) == 0 }

    /// Waits up to `timeout` for the process to exit; true if it did.
    @discardableResult
    public func wait(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while isRunning {
            if ContinuousClock.now >= deadline { return false }
            await Self.pause(.milliseconds(10))
        }
        return true
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`.
    public func stop(grace: Duration = .seconds(3)) async {
        send(SIGTERM)
        if await !wait(timeout: grace) {
            send(SIGKILL)
            await wait(timeout: .seconds(2))
        }
    }

    /// The last lines of the log, for an error message.
    public func logTail(lines: Int = 8) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// A sleep that still paces the loop when the task is cancelled (then
    /// Task.sleep returns at once): stopping a child must finish either way.
    static func pause(_ duration: Duration) async {
        do {
            try await Task.sleep(for: duration)
        } catch {
            let (seconds, attoseconds) = duration.components
            usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
        }
    }
}
