import Foundation
import Testing

/// Runs the built `canary` executable as a subprocess, the way operators and
/// scripts do. Never blocks a cooperative thread: the in-process coordinator
/// needs them to answer.
struct CLIResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
}

final class CLIProcess: Sendable {
    let process: Process
    let outPath: String
    let errPath: String
    private let exited: AsyncStream<Int32>

    /// `.build/<config>/canary`, next to the test bundle.
    static func executable() throws -> URL {
        let me = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let canary = me.deletingLastPathComponent().appendingPathComponent("canary")
        guard FileManager.default.isExecutableFile(atPath: canary.path) else {
            throw CLITestError("the canary executable is not at \(canary.path); build it first with 'swift build' (swift test builds it too)")
        }
        return canary
    }

    /// Runs `executable` (the built `canary` unless told) with `arguments`.
    init(_ arguments: [String], environment: [String: String] = [:], executable: URL? = nil) throws {
        let process = Process()
        process.executableURL = try executable ?? Self.executable()
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["CANARY_COORDINATOR"] = nil
        env["CANARY_TOKEN"] = nil
        env.merge(environment) { _, new in new }
        process.environment = env
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("canary-cli-out-\(UUID().uuidString)").path
        outPath = base + ".out"
        errPath = base + ".err"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        process.standardInput = FileHandle.nullDevice
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        exited = stream
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        self.process = process
        try process.run()
    }

    /// Waits for the exit (killing the process after `limit`), then collects its output.
    func result(limit: Duration = .seconds(30)) async -> CLIResult {
        let process = self.process
        let killer = Task {
            try await Task.sleep(for: limit)
            process.terminate()
        }
        var status: Int32 = -1
        for await code in exited { status = code }
        killer.cancel()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return CLIResult(status: status, stdout: out, stderr: err)
    }

    /// Output written so far (for a process still running).
    func stdoutSoFar() -> String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }
    func stderrSoFar() -> String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

    /// Runs `canary ARGS` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], limit: Duration = .seconds(30)) async throws -> CLIResult {
        try await CLIProcess(arguments, environment: environment).result(limit: limit)
    }

    /// `python3 ARGS` to completion (for files written by Python's own modules).
    static func python(_ arguments: [String]) async throws -> CLIResult {
        try await CLIProcess(["python3"] + arguments, executable: URL(fileURLWithPath: "/usr/bin/env")).result()
    }

    /// `canary rollout SUBCOMMAND … --coordinator URL`.
    static func rollout(_ coordinator: CLICoordinator, _ arguments: [String], environment: [String: String] = [:]) async throws -> CLIResult {
        try await run(["rollout"] + arguments + ["--coordinator", coordinator.url], environment: environment)
    }
}
