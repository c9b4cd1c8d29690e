import CanaryAPI
import CanaryConfig
import CanaryCore
import CanaryShm
import CanarySimulator
import Foundation
import ServiceLifecycle
#if canImport(Glibc)
import Glibc
#endif

/// One run of `canary demo`: starts the coordinator, one agent per replica
/// and the simulator as separate processes on loopback, starts the rollout
/// through the HTTP API, follows it to its end (`DemoRun+Follow`), counts
/// what was written and counted (`DemoRun+Accounting`), and stops
/// everything again. A graceful shutdown of the task (Ctrl-C or SIGTERM
/// through the ServiceGroup) ends it early, still with a summary.
final class DemoRun {
    let options: DemoOptions
    let scenario: Scenario
    let planSource: String
    let plan: RolloutPlan
    let runDirectory: String
    let runID: String
    let processes: DemoSupervisor
    var api = DemoCoordinatorAPI(httpURL: nil)
    var replicas: [SimulationSpec.Replica] = []
    var routeWatch: RouteWatch?
    /// The CURVE keys of the run (the demo runs with CURVE on).
    var keys: DemoKeys?
    var summary: DemoSummary
    var startMs = DemoClock.nowMs()
    /// Restarts due (wall ms) after a kill action.
    var pendingRestarts: [(dueMs: Int64, restart: Restart)] = []

    enum Restart {
        case agent(Int)
        case coordinator
    }

    init(options: DemoOptions) throws {
        self.options = options
        (scenario, planSource, plan) = try Scenario.load(path: options.scenarioPath)
        runID = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        runDirectory = options.runDirectory ?? NSTemporaryDirectory() + "canary-demo-\(runID)"
        try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        processes = DemoSupervisor(executable: try CanaryExecutable.path(), runDirectory: runDirectory)
        summary = DemoSummary(
            scenario: scenario.name, speed: min(options.speed, max(1, scenario.maxSpeed)), expectedOutcome: scenario.expect.outcome,
            expectedGuard: scenario.expect.guardName, outcome: "failed", passed: false)
        summary.runDirectory = runDirectory
    }

    /// The requested fast-forward, capped by what the scenario allows (some
    /// need real time: their evidence is sample counts, not waiting).
    var speed: Double { min(options.speed, max(1, scenario.maxSpeed)) }
    var rps: Double { options.rps ?? scenario.traffic.rps }
    var simulatorStatusPath: String { runDirectory + "/simulator.json" }

    /// Runs the demo to its end; never leaves a process behind.
    func run() async -> DemoSummary {
        do {
            try await start()
            try await follow()
        } catch {
            summary.error = "\(error)"
            say("error: \(error)")
        }
        await account()
        summary.passed = SummaryReport.passed(summary, scenario: scenario)
        for line in SummaryReport.lines(summary) { say(line) }
        return summary
    }

    // MARK: Start

    func start() async throws {
        let counts = (baseline: options.replicas ?? scenario.replicas.baseline,
                      canary: options.replicas ?? scenario.replicas.canary,
                      control: plan.control == nil ? 0 : options.replicas ?? scenario.replicas.control)
        for (version, role, count) in [(plan.baseline, "baseline", counts.baseline), (plan.canary, "canary", counts.canary),
                                       (plan.baseline, "control", counts.control)] {
            for i in 0..<count {
                let ring = "/canary-demo-\(runID).\(role == "control" ? "control" : version).\(i)"
                replicas.append(.init(version: version, role: role, index: i, ringName: ring,
                                      routePageName: ring + ".route", ringCapacity: 1 << 16))
            }
        }
        say("canary demo: scenario \(scenario.name) — \(scenario.description)")
        say("  plan: \(plan.baseline) → \(plan.canary), steps \(plan.stepsPPM.map { PercentText.text(ppm: $0) }.joined(separator: " → ")), guards \(plan.guards.map(\.name).joined(separator: ", "))")
        let control = counts.control > 0 ? ", \(counts.control) × \(plan.baseline) (control arm, routed as \(plan.control ?? ""))" : ""
        say("  replicas: \(counts.baseline) × \(plan.baseline) (baseline), \(counts.canary) × \(plan.canary) (canary)\(control); traffic \(Int(rps)) req/s; speed \(speed)×; expected: \(scenario.expect.outcome)")
        say("  run directory (journal, logs): \(runDirectory)")

        let made = try await DemoKeys.make(executable: processes.executable, runDirectory: runDirectory, model: plan.model,
                                           agents: replicas.map { (agentID(of: $0), $0.version) })
        keys = made
        say("  CURVE on: \(made.count) agent keys, each bound to its agent id, \(plan.model) and its version (\(made.directory))")
        let coordinator = try await processes.startCoordinator(httpPort: options.port, configPath: made.coordinatorConfigPath)
        api = DemoCoordinatorAPI(httpURL: coordinator.httpURL)
        let url = "http://127.0.0.1:\(coordinator.httpPort)/"
        summary.dashboardURL = url
        say("  coordinator up — dashboard: \(url)")
        for i in replicas.indices { try startAgent(i) }
        try startSimulator()
        routeWatch = try RouteWatch(pageNames: replicas.map(\.routePageName), model: plan.model, canary: plan.canary)
        routeWatch?.start()
        try await waitForAgents()
        say("  \(replicas.count) agents and the simulator up (\(processes.children.count) processes)")
        if options.openBrowser { openBrowser(url) }
        try await warmUp()

        let view = try await api.startRollout(planYAML: try PlanSpeed.scaled(planSource, speed: speed))
        summary.rolloutID = view.id
        startMs = DemoClock.nowMs()
        summary.rolloutStartedMs = startMs
        say("  rollout \(view.id) started\n")
    }

    /// Baseline traffic before the start, for as long as the scenario asks:
    /// the coordinator keeps it as the baseline's reference.
    func warmUp() async throws {
        guard scenario.warmup.milliseconds > 0 else { return }
        let ms = scenario.warmup.scaled(by: speed).milliseconds
        say("  warming up: \(DurationText.seconds(milliseconds: ms)) of baseline traffic before the rollout starts")
        let deadline = DemoClock.nowMs() + ms
        while DemoClock.nowMs() < deadline {
            try processes.checkAlive(coordinatorExpected: true, starting: false)
            try checkInterrupted()
            await ChildProcess.pause(.milliseconds(50))
        }
    }

    func agentName(_ i: Int) -> String { "agent \(replicas[i].version)#\(replicas[i].index)" }

    /// Control replicas run the baseline version: their role keeps ids apart.
    func agentID(of replica: SimulationSpec.Replica) -> String {
        "demo-\(replica.version)-\(replica.role == "control" ? "control-" : "")\(replica.index)"
    }

    func startAgent(_ i: Int) throws {
        let r = replicas[i]
        guard let endpoints = processes.endpoints else { throw DemoError("an agent cannot start before the coordinator") }
        let stem = runDirectory + "/agent-\(r.version)-\(r.role == "control" ? "control-" : "")\(r.index)"
        let config = stem + ".yaml"
        let windowMs = max(100, scenario.window.milliseconds * 1_000 / Int64(speed * 1_000))
        let yaml = AgentConfigFile.yaml(agentID: agentID(of: r), model: plan.model, replica: r,
                                        windowMs: windowMs, coordinator: endpoints, curve: keys?.agent(agentID(of: r)))
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        try processes.startAgent(i, name: agentName(i), configPath: config,
                                 logPath: stem + ".log")
    }

    func startSimulator() throws {
        let specPath = runDirectory + "/simulation.json"
        let faults = scenario.faults.map { fault -> Fault in
            var f = fault
            f.trigger.after = f.trigger.after.scaled(by: speed)
            return f
        }
        var baseline = scenario.baseline, canary = scenario.canary
        baseline.labelDelay = baseline.labelDelay.scaled(by: speed)
        canary.labelDelay = canary.labelDelay.scaled(by: speed)
        let spec = SimulationSpec(
            model: plan.model, baseline: plan.baseline, canary: plan.canary, control: plan.control, stepsPPM: plan.stepsPPM,
            replicas: replicas, rps: rps, keys: scenario.traffic.keys, baselineProfile: baseline,
            canaryProfile: canary, faults: faults, seed: UInt64.random(in: 1...UInt64.max),
            statusPath: simulatorStatusPath)
        try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: specPath))
        try processes.startSimulator(specPath: specPath)
    }

    func waitForAgents() async throws {
        let deadline = DemoClock.nowMs() + 20_000
        while DemoClock.nowMs() < deadline {
            if let list = await api.agents(),
               Set(list.filter { $0.model == plan.model && !$0.stale }.map(\.agentID)).count >= replicas.count {
                return
            }
            try processes.checkAlive(coordinatorExpected: true, starting: true)
            try checkInterrupted()
            await ChildProcess.pause(.milliseconds(50))
        }
        throw DemoError("the agents did not all say hello to the coordinator within 20 s; see the logs in \(runDirectory)")
    }

    // MARK: Helpers

    /// A graceful shutdown (Ctrl-C, SIGTERM) ends the run where it is.
    func checkInterrupted() throws {
        if Task.isShuttingDownGracefully {
            summary.outcome = "interrupted"
            throw DemoError("interrupted; stopping every process the demo started")
        }
    }

    /// Not tracked as a child: xdg-open hands the URL to the user's browser
    /// and exits; the browser is the user's, not the demo's, to close.
    func openBrowser(_ url: String) {
        let env = ProcessInfo.processInfo.environment
        guard env["DISPLAY"] != nil || env["WAYLAND_DISPLAY"] != nil,
              FileManager.default.isExecutableFile(atPath: "/usr/bin/xdg-open") else { return }
        _ = try? ChildProcess.spawn(name: "browser", executable: "/usr/bin/xdg-open", arguments: [url],
                                    logPath: runDirectory + "/browser.log")
    }

    func say(_ line: String) {
        guard options.printProgress else { return }
        print(line)
        fflush(nil)
    }
}
