import CanaryCLI
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One headless `canary demo` run of the built executable, in a process
/// group of its own: whatever happens to the test, killing the group removes
/// the demo and every process it started.
struct DemoProcess {
    let scenario: String
    let arguments: [String]
    let directory: String

    init(scenario: String, speed: Double, rps: Double? = nil) {
        self.scenario = scenario
        directory = NSTemporaryDirectory() + "canary-demo-test-\(scenario)-\(UInt32.random(in: 0...UInt32.max))"
        var args = ["demo", "--scenario", Self.scenarioPath(scenario), "--speed", String(speed), "--no-browser", "--quiet",
                    "--journal", directory, "--summary-json", directory + "/summary.json"]
        if let rps { args += ["--rps", String(rps)] }
        arguments = args
    }

    static func scenarioPath(_ name: String) -> String {
        // Tests/CanaryDemoTests/ → the repository's agent-config/scenarios.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent("agent-config/scenarios/\(name).yaml").path
    }

    static func executable() throws -> String {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let candidate = exe.deletingLastPathComponent().appendingPathComponent("canary").path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw DemoTestError("\(candidate) missing: run `swift build --product canary` before the tests")
        }
        return candidate
    }

    /// Runs the demo to its end (or `timeout`), returns its summary; the
    /// process group is gone when this returns, pass or fail.
    func run(timeout: Duration) async throws -> (summary: DemoSummary, output: String) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let log = directory + "/demo.out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))
        let exe = try Self.executable()
        let argv = ([exe] + arguments).map { strdup($0) }
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = (argv + [nil]).withUnsafeBufferPointer { args in
            (envp + [nil]).withUnsafeBufferPointer { env in
                posix_spawn(&pid, exe, &actions, &attributes, UnsafeMutablePointer(mutating: args.baseAddress!),
                            UnsafeMutablePointer(mutating: env.baseAddress!))
            }
        }
        guard rc == 0 else { throw DemoTestError("posix_spawn failed: \(rc)") }
        // The group id is the demo's pid; kill it whatever happens below.
        defer {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var exited = false
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard exited else {
            throw DemoTestError("demo \(scenario) did not finish within \(timeout); output:\n\(output)")
        }
        // Everything the demo started must be gone already, not only after our kill.
        let groupAlive = kill(-pid, 0) == 0
        #expect(!groupAlive, "processes of the demo's group are still running after it exited")
        guard let data = FileManager.default.contents(atPath: directory + "/summary.json") else {
            throw DemoTestError("demo \(scenario) wrote no summary; output:\n\(output)")
        }
        return (try JSONDecoder().decode(DemoSummary.self, from: data), output)
    }
}

struct DemoTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Caps how many demos run at once: each is a coordinator, four agents and
/// a simulator, and a 2-core machine overloaded by all eight at once would
/// make agents look stale for reasons that have nothing to do with Canary.
actor DemoSlots {
    static let shared = DemoSlots(limit: 2)
    let limit: Int
    var busy = 0
    var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = limit }

    func acquire() async {
        if busy < limit { busy += 1; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy -= 1 } else { waiting.removeFirst().resume() }
    }

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }
}
