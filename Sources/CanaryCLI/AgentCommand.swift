import ArgumentParser
import CanaryAgent
import CanaryConfig
import CanaryCore
import ServiceLifecycle

/// `canary agent --config FILE`: the sidecar agent of one replica.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run the sidecar agent of one model replica.",
        discussion: """
            The agent drains the replica's shared-memory sample ring into windows, sends them \
            to the coordinator (acked, resent after a reconnect) and writes the split the \
            coordinator broadcasts onto the replica's route page. See agent-config/agent.example.yaml. \
            SIGTERM flushes the open window, says goodbye (the coordinator takes the agent out of \
            the fleet at once) and exits within about a second.
            """)

    @Option(name: .long, help: "The agent configuration file (YAML).")
    var config: String

    @Option(name: .long, help: "Override the coordinator's ROUTER endpoint.")
    var coordinatorRouter: String?

    @Option(name: .long, help: "Override the coordinator's PUB endpoint.")
    var coordinatorPublisher: String?

    func run() async throws {
        var settings: AgentConfig
        do {
            settings = try AgentConfig.load(path: config)
        } catch {
            throw CommandFailure("invalid agent configuration: \(error)")
        }
        if let coordinatorRouter { settings.coordinatorRouter = coordinatorRouter }
        if let coordinatorPublisher { settings.coordinatorPublisher = coordinatorPublisher }
        let logger = LogSetup.logger(label: "canary.agent", level: settings.logLevel)
        let agent = try Agent(config: settings, logger: logger)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: agent)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
