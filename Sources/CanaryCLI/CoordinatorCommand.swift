import ArgumentParser
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import ServiceLifecycle

/// `canary coordinator --config FILE`: the coordinator daemon.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the coordinator: receive agents' windows, judge rollouts, broadcast the split, serve the API.",
        discussion: """
            The configuration (YAML) names the ZeroMQ endpoints to bind, the HTTP address, \
            the SQLite journal and the fleet-wide histogram setting; see \
            agent-config/coordinator.example.yaml. Command-line options override it. \
            SIGTERM or SIGINT stop it gracefully: staged windows are counted and journaled first.

            With --ready-file PATH, once the ROUTER, PUB and HTTP listeners are all bound it             writes PATH (atomically: a temporary file renamed into place) as JSON:             {"router": "tcp://…", "publisher": "tcp://…", "httpURL": "http://127.0.0.1:PORT",             "httpPort": PORT, "epoch": N} — what a supervisor connects to, without reading the log.
            """)

    @Option(name: .long, help: "The coordinator configuration file (YAML).")
    var config: String?

    @Option(name: .long, help: "Override the SQLite journal path.")
    var journal: String?

    @Option(name: .long, help: "Override the HTTP port (0 = let the OS pick).")
    var httpPort: Int?

    @Option(name: .long, help: "Override the ROUTER endpoint agents connect to.")
    var router: String?

    @Option(name: .long, help: "Override the PUB endpoint agents subscribe to.")
    var publisher: String?

    @Option(name: .long, help: ArgumentHelp("Write the bound endpoints and epoch to this file (JSON) once listening.",
                                            valueName: "path"))
    var readyFile: String?

    func validate() throws {
        if let httpPort, !(0...65_535).contains(httpPort) {
            throw ValidationError("--http-port must be between 0 and 65535, got \(httpPort)")
        }
    }

    func run() async throws {
        var settings = CoordinatorConfig()
        if let config {
            do {
                settings = try CoordinatorConfig.load(path: config)
            } catch {
                throw CommandFailure("invalid coordinator configuration: \(error)")
            }
        }
        if let journal { settings.journalPath = journal }
        if let httpPort { settings.httpPort = httpPort }
        if let router { settings.routerEndpoint = router }
        if let publisher { settings.publishEndpoint = publisher }
        let logger = LogSetup.logger(label: "canary.coordinator", level: settings.logLevel)
        let coordinator = try Coordinator(config: settings, logger: logger, readyFile: readyFile)
        let group = ServiceGroup(
            configuration: .init(services: try await coordinator.services(),
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.notice("coordinator stopped")
    }
}
