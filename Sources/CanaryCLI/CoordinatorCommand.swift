import ArgumentParser
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

    @Option(name: .long, help: "Once every endpoint is bound, write them (router, publisher, HTTP port and URL, epoch) as JSON to this file, atomically.")
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
        let coordinator = try Coordinator(config: settings, logger: logger, readyFilePath: readyFile)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: coordinator)],
                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
