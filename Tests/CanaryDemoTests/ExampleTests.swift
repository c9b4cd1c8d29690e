import Foundation
import Testing

/// examples/sklearn-digits end to end, as a new user runs it: a real
/// scikit-learn model server, real agents and coordinator, late labels,
/// routing by the route page. Its three outcomes are asserted by
/// `run.py --check` (good → promoted, inaccurate and slow → rolled back).
@Suite("Example: sklearn-digits") struct ExampleTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("a good, an inaccurate and a slow candidate: promoted, rolled back, rolled back")
    func sklearnDigits() async throws {
        let output = Pipe()
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        run.arguments = ["python3", Self.root.appendingPathComponent("examples/sklearn-digits/run.py").path, "--check"]
        run.environment = ProcessInfo.processInfo.environment.merging(["CANARY": try DemoProcess.executable()]) { $1 }
        run.standardOutput = output
        run.standardError = output
        try run.run()
        // run.py stops what it started on SIGTERM; 10 min is far past its ~2 min.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(600))
            run.terminate()
        }
        let text = await Task.detached { String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }.value
        run.waitUntilExit()
        watchdog.cancel()
        #expect(run.terminationStatus == 0, "run.py --check failed:\n\(text)")
        for line in ["v2-good (good): promoted", "v3-inaccurate (inaccurate): rolled_back", "v4-slow (slow): rolled_back"] {
            #expect(text.contains(line), "missing '\(line)' in:\n\(text)")
        }
    }
}
