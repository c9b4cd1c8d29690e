import ArgumentParser
import CanaryDemo

/// `canary demo`: the whole system on one machine — coordinator, one agent
/// per replica, synthetic replicas and traffic, all separate processes on
/// loopback talking through real shared memory and real ZeroMQ.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a canary rollout end to end on this machine with synthetic replicas.",
        discussion: """
            Starts the coordinator (journal in a temporary folder unless --journal is given), \
            one agent per replica, and a simulator whose replicas write real samples into real \
            shared-memory rings and whose traffic follows the real route pages; starts the \
            rollout through the HTTP API, prints its progress and the dashboard URL, and ends \
            with a summary. Every process it started is stopped at the end, also on Ctrl-C. \
            Scenarios live in agent-config/scenarios/ (healthy, latency-regression, error-spike, \
            accuracy-drop, prediction-drift, slow-burn, agent-crash, coordinator-restart). \
            The default, error-spike, is rolled back within seconds of the fault.
            """)

    @Option(name: .long, help: "Scenario name (agent-config/scenarios/NAME.yaml) or a path to a scenario file.")
    var scenario: String = "error-spike"

    @Option(name: .long, help: "Replicas per version (default: the scenario's).")
    var replicas: Int?

    @Option(name: .long, help: "Requests per second over all replicas (default: the scenario's).")
    var rps: Double?

    @Option(name: .long, help: "Fast-forward factor: bakes, windows and fault delays shrink by it (default 1).")
    var speed: Double = 1

    @Option(name: .long, help: "HTTP port of the coordinator (0 = any free port).")
    var port: Int = 0

    @Flag(name: .long, help: "Do not open the dashboard in a browser.")
    var noBrowser = false

    @Option(name: .long, help: "Keep the journal and logs in this folder (default: a new temporary folder).")
    var journal: String?

    @Option(name: .long, help: "Write the summary as JSON to this file (for tests and scripts).")
    var summaryJSON: String?

    @Option(name: .long, help: "Run the scenario N times at the given speed and print the median time from fault onset to the rollback decision and to the last route page at 0 %.")
    var measure: Int?

    @Flag(name: .long, help: "Print only the summary.")
    var quiet = false

    func validate() throws {
        guard speed >= 1, speed <= 20 else { throw ValidationError("--speed must be between 1 and 20, got \(speed)") }
        if let replicas, !(1...16).contains(replicas) { throw ValidationError("--replicas must be 1…16, got \(replicas)") }
        if let rps, !(1...100_000).contains(rps) { throw ValidationError("--rps must be 1…100000, got \(rps)") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        if let measure, !(1...50).contains(measure) { throw ValidationError("--measure must be 1…50, got \(measure)") }
        if measure != nil && journal != nil { throw ValidationError("--measure runs several times: leave out --journal") }
    }

    func run() async throws {
        let session = DemoSession(
            options: DemoOptions(scenarioPath: try ScenarioCatalog.path(for: scenario), replicas: replicas, rps: rps,
                                 speed: speed, port: port, openBrowser: !noBrowser, runDirectory: journal,
                                 printProgress: !quiet),
            measure: measure, quiet: quiet, summaryJSON: summaryJSON)
        let status = try await session.run(logger: LogSetup.logger(label: "canary.demo", level: "warning"))
        if status != 0 { throw ExitCode(status) }
    }
}
