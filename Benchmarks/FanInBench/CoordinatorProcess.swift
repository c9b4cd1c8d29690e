import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `canary coordinator` as a child process, so its CPU and memory are its own.
final class CoordinatorProcess {
    let process = Process()
    let directory: URL
    let routerEndpoint: String
    let publisherEndpoint: String
    let httpURL: String
    var stats: ProcessStats { ProcessStats(pid: process.processIdentifier) }

    /// CURVE keys the coordinator runs with (nil: plain text).
    let keys: BenchKeys?

    init(executable: URL, curve: Bool = false, agents: Int = 0) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fanin-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        keys = curve ? try BenchKeys.make(directory: directory, agents: agents) : nil
        routerEndpoint = "tcp://127.0.0.1:\(freePort())"
        publisherEndpoint = "tcp://127.0.0.1:\(freePort())"
        let httpPort = freePort()
        httpURL = "http://127.0.0.1:\(httpPort)"
        process.executableURL = executable
        process.arguments = [
            "coordinator", "--journal", directory.appendingPathComponent("journal.sqlite").path,
            "--http-port", String(httpPort), "--router", routerEndpoint, "--publisher", publisherEndpoint,
        ] + (keys.map { ["--config", $0.configPath] } ?? [])
        let log = directory.appendingPathComponent("coordinator.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var logPath: String { directory.appendingPathComponent("coordinator.log").path }

    /// Polls /healthz until it answers (or the process died).
    func waitUntilReady(timeout: Double = 30) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            guard process.isRunning else { throw BenchError("the coordinator exited; see \(logPath)") }
            if let (_, status) = try? await http("GET", "/healthz"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError("the coordinator did not answer /healthz within \(Int(timeout)) s; see \(logPath)")
    }

    /// Starts a rollout; returns its id.
    func startRollout(plan: String) async throws -> String {
        let (body, status) = try await http("POST", "/api/v1/rollouts", body: Data(plan.utf8))
        guard status == 201, let object = try JSONSerialization.jsonObject(with: body) as? [String: Any],
              let id = object["id"] as? String else {
            throw BenchError("starting the rollout failed: HTTP \(status) \(String(decoding: body, as: UTF8.self))")
        }
        return id
    }

    func http(_ method: String, _ path: String, body: Data? = nil) async throws -> (Data, Int) {
        var request = URLRequest(url: URL(string: httpURL + path)!, timeoutInterval: 10)
        request.httpMethod = method
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return (data, (response as? HTTPURLResponse)?.statusCode ?? 0)
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
