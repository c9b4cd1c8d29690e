import ArgumentParser
import CanaryDemo
import ServiceLifecycle

/// `canary simulate --spec FILE` (hidden): the synthetic replicas and the
/// traffic of one demo run, in their own process as real replicas would be.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the synthetic replicas and traffic of a demo (started by `canary demo`).",
        shouldDisplay: false)

    @Option(name: .long, help: "The simulation spec (JSON) written by `canary demo`.")
    var spec: String

    func run() async throws {
        let simulator: SimulatorService
        do {
            simulator = try SimulatorService(specPath: spec)
        } catch {
            throw ValidationError("\(error)")
        }
        let logger = LogSetup.logger(label: "canary.simulator", level: "warning")
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: simulator, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
