import CanaryDemo
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
        let demo = try ChildProcess.spawn(name: "demo \(scenario)", executable: try Self.executable(), arguments: arguments,
                                          logPath: log, ownProcessGroup: true, truncateLog: true)
        // The group id is the demo's pid; kill it whatever happens below.
        defer { demo.signalGroup(SIGKILL) }
        let exited = await demo.wait(timeout: timeout)
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard exited else {
            throw DemoTestError("demo \(scenario) did not finish within \(timeout); output:\n\(output)")
        }
        // Everything the demo started must be gone already, not only after our kill.
        #expect(!demo.groupAlive, "processes of the demo's group are still running after it exited")
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
