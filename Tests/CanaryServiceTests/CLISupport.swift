import CanaryConfig
import CanaryCoordinator
import Foundation
import Logging
import Testing

/// A real coordinator in the test process for the CLI to talk to: its own
/// temp dir and journal, OS-chosen ports, stopped by `stop()`. Unless told
/// otherwise, agents of the example plans' versions have said hello (a
/// start needs live agents), without sending data.
struct CLICoordinator {
    let url: String
    let directory: URL
    private let coordinator: Coordinator
    private let task: Task<Void, any Error>

    static func start(token: String? = nil, agents: Bool = true) async throws -> CLICoordinator {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = CoordinatorConfig()
        config.routerEndpoint = "tcp://127.0.0.1:*"
        config.publishEndpoint = "tcp://127.0.0.1:*"
        config.httpPort = 0
        config.journalPath = directory.appendingPathComponent("journal.sqlite").path
        config.apiToken = token
        // The agents that said hello stay live however slowly the CLI
        // processes start on a loaded machine (no test here is about staleness).
        config.staleAfterMs = 600_000
        var logger = Logger(label: "cli-tests.coordinator")
        logger.logLevel = .critical
        let coordinator = try Coordinator(config: config, logger: logger)
        let task = Task { try await coordinator.run() }
        guard let endpoints = await coordinator.endpoints() else {
            task.cancel()
            throw CLITestError("the coordinator did not start")
        }
        let started = CLICoordinator(url: endpoints.httpURL, directory: directory, coordinator: coordinator, task: task)
        if agents { await started.agentsSayHello() }
        return started
    }

    /// Hellos of agents serving `versions` of `model` (the example plans'
    /// by default).
    func agentsSayHello(model: String = "fraud-detector", versions: [String] = ["v41", "v42"]) async {
        await sayHello(to: coordinator, model: model, agents: versions.map { ("cli-\($0)", $0) })
    }

    func stop() async {
        await coordinator.shutdown()
        _ = try? await task.value
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `text` to a file in this coordinator's temp dir.
    func file(_ name: String, _ text: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

struct CLITestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The example plans shipped in agent-config/.
enum CLIPlans {
    static var fast: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("agent-config/rollout.fast.yaml").path
    }
}
