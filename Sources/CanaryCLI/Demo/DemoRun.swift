import CanaryAPI
import CanaryCoordinator
import CanaryCore
import CanaryShm
import CanarySimulator
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM while a demo runs: the run loop notices, stops
/// every process it started and still prints its summary.
let demoInterrupted = Atomic<Bool>(false)

/// One run of `canary demo`: starts the coordinator, one agent per replica
/// and the simulator as separate processes on loopback, starts the rollout
/// through the HTTP API, follows it to its end, and stops everything again.
final class DemoRun {
    struct Options {
        var scenarioPath: String
        var replicas: Int?
        var rps: Double?
        var speed: Double
        var port: Int
        var openBrowser: Bool
        var runDirectory: String?
        var printProgress: Bool
    }

    let options: Options
    let scenario: Scenario
    let planSource: String
    let plan: RolloutPlan
    let executable: String
    let runDirectory: String
    let journalPath: String
    let runID: String
    let routerPort: Int
    let publisherPort: Int
    var httpPort = 0
    var replicas: [SimulationSpec.Replica] = []
    var children: [ChildProcess] = []
    var coordinator: ChildProcess?
    var coordinatorStarts = 0
    var agents: [Int: ChildProcess] = [:]
    var simulator: ChildProcess?
    var routeWatch: RouteWatch?
    var summary: DemoSummary
    var startMs = DemoClock.nowMs()
    /// Restarts due (wall ms) after a kill action.
    var pendingRestarts: [(dueMs: Int64, restart: () throws -> Void)] = []

    init(options: Options) throws {
        self.options = options
        (scenario, planSource, plan) = try Scenario.load(path: options.scenarioPath)
        executable = try Self.selfExecutable()
        runID = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        if let dir = options.runDirectory {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            runDirectory = dir
        } else {
            runDirectory = NSTemporaryDirectory() + "canary-demo-\(runID)"
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
        }
        journalPath = runDirectory + "/journal.sqlite"
        routerPort = try FreePort.pick()
        publisherPort = try FreePort.pick()
        summary = DemoSummary(
            scenario: scenario.name, speed: min(options.speed, max(1, scenario.maxSpeed)), expectedOutcome: scenario.expect.outcome,
            expectedGuard: scenario.expect.guardName, outcome: "failed", passed: false)
        summary.runDirectory = runDirectory
    }

    /// The requested fast-forward, capped by what the scenario allows (some
    /// need real time: their evidence is sample counts, not waiting).
    var speed: Double { min(options.speed, max(1, scenario.maxSpeed)) }

    /// Runs the demo to its end; never leaves a process behind.
    func run() -> DemoSummary {
        do {
            try start()
            try follow()
        } catch {
            summary.error = "\(error)"
            say("error: \(error)")
        }
        finish()
        return summary
    }

    // MARK: Start

    func start() throws {
        let counts = (baseline: options.replicas ?? scenario.replicas.baseline,
                      canary: options.replicas ?? scenario.replicas.canary)
        for (version, role, count) in [(plan.baseline, "baseline", counts.baseline), (plan.canary, "canary", counts.canary)] {
            for i in 0..<count {
                let ring = "/canary-demo-\(runID).\(version).\(i)"
                replicas.append(.init(version: version, role: role, index: i, ringName: ring,
                                      routePageName: ring + ".route", ringCapacity: 1 << 16))
            }
        }
        say("canary demo: scenario \(scenario.name) — \(scenario.description)")
        say("  plan: \(plan.baseline) → \(plan.canary), steps \(plan.stepsPPM.map(ProgressLine.percent).joined(separator: " → ")), guards \(plan.guards.map(\.name).joined(separator: ", "))")
        say("  replicas: \(counts.baseline) × \(plan.baseline) (baseline), \(counts.canary) × \(plan.canary) (canary); traffic \(Int(rps)) req/s; speed \(speed)×; expected: \(scenario.expect.outcome)")
        say("  run directory (journal, logs): \(runDirectory)")

        try startCoordinator()
        let url = "http://127.0.0.1:\(httpPort)/"
        summary.dashboardURL = url
        say("  coordinator up — dashboard: \(url)")
        for i in replicas.indices { try startAgent(i) }
        try startSimulator()
        routeWatch = try RouteWatch(pageNames: replicas.map(\.routePageName), model: plan.model, canary: plan.canary)
        routeWatch?.start()
        try waitForAgents()
        say("  \(replicas.count) agents and the simulator up (\(children.count) processes)")
        if options.openBrowser { openBrowser(url) }

        let source = try PlanSpeed.scaled(planSource, speed: speed)
        let response = try http.post("/api/v1/rollouts", body: source)
        guard response.status == 201 || response.status == 200 else {
            throw DemoError("the coordinator refused the plan (\(response.status)): \(String(decoding: response.body, as: UTF8.self))")
        }
        let view = try JSONDecoder().decode(DemoRolloutView.self, from: response.body)
        summary.rolloutID = view.id
        startMs = DemoClock.nowMs()
        summary.rolloutStartedMs = startMs
        say("  rollout \(view.id) started\n")
    }

    var rps: Double { options.rps ?? scenario.traffic.rps }
    var http: LoopbackHTTP { LoopbackHTTP(port: httpPort) }

    func startCoordinator() throws {
        coordinatorStarts += 1
        let log = runDirectory + "/coordinator\(coordinatorStarts == 1 ? "" : "-\(coordinatorStarts)").log"
        let port = coordinatorStarts == 1 ? options.port : httpPort
        let child = try spawn("coordinator", log: log, [
            "coordinator", "--journal", journalPath, "--http-port", String(port),
            "--router", "tcp://127.0.0.1:\(routerPort)", "--publisher", "tcp://127.0.0.1:\(publisherPort)",
        ])
        coordinator = child
        httpPort = try waitForHTTPPort(log: log, child: child)
    }

    /// The coordinator logs its HTTP address once it listens (port 0 = the OS picked one).
    func waitForHTTPPort(log: String, child: ChildProcess) throws -> Int {
        let marker = "HTTP API and dashboard on http://127.0.0.1:"
        let deadline = DemoClock.nowMs() + 20_000
        while DemoClock.nowMs() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let range = text.range(of: marker) {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return port }
            }
            guard child.isRunning else {
                throw DemoError("the coordinator exited at start; see \(log):\n\(tail(log))")
            }
            try checkInterrupted()
            usleep(20_000)
        }
        throw DemoError("the coordinator did not report its HTTP port within 20 s; see \(log)")
    }

    func startAgent(_ i: Int) throws {
        let r = replicas[i]
        let config = runDirectory + "/agent-\(r.version)-\(r.index).yaml"
        let window = max(100, scenario.window.milliseconds * 1_000 / Int64(speed * 1_000))
        let yaml = """
            agent_id: demo-\(r.version)-\(r.index)
            replica: "\(r.index)"
            model: \(plan.model)
            version: \(r.version)
            role: \(r.role)
            ring:
              name: \(r.ringName)
              capacity: \(r.ringCapacity)
            route_page: \(r.routePageName)
            window: \(window)ms
            coordinator:
              router: tcp://127.0.0.1:\(routerPort)
              publisher: tcp://127.0.0.1:\(publisherPort)
            log_level: notice

            """
        try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        agents[i] = try spawn("agent \(r.version)#\(r.index)", log: runDirectory + "/agent-\(r.version)-\(r.index).log",
                              ["agent", "--config", config])
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
            model: plan.model, baseline: plan.baseline, canary: plan.canary, stepsPPM: plan.stepsPPM,
            replicas: replicas, rps: rps, keys: scenario.traffic.keys, baselineProfile: baseline,
            canaryProfile: canary, faults: faults, seed: UInt64.random(in: 1...UInt64.max),
            statusPath: runDirectory + "/simulator.json")
        try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: specPath))
        simulator = try spawn("simulator", log: runDirectory + "/simulator.log", ["simulate", "--spec", specPath])
    }

    func waitForAgents() throws {
        let deadline = DemoClock.nowMs() + 20_000
        while DemoClock.nowMs() < deadline {
            if let response = try? http.get("/api/v1/agents"),
               let list = try? JSONDecoder().decode([AgentStatus].self, from: response.body),
               Set(list.filter { $0.model == plan.model && !$0.stale }.map(\.agentID)).count >= replicas.count {
                return
            }
            for (i, agent) in agents where !agent.isRunning {
                throw DemoError("agent \(replicas[i].version)#\(replicas[i].index) exited at start; see \(agent.logPath):\n\(tail(agent.logPath))")
            }
            if let simulator, !simulator.isRunning {
                throw DemoError("the simulator exited at start; see \(simulator.logPath):\n\(tail(simulator.logPath))")
            }
            try checkInterrupted()
            usleep(50_000)
        }
        throw DemoError("the agents did not all say hello to the coordinator within 20 s; see the logs in \(runDirectory)")
    }

    // MARK: Follow

    func follow() throws {
        var triggers = TriggerClock(stepsPPM: plan.stepsPPM)
        var actionsDone: Set<Int> = []
        var lastDecisionAt: Int64?
        var lastLine = ""
        var lastLineMs: Int64 = 0
        var faultsSeen: Set<String> = []
        let timeoutMs = max(20_000, scenario.timeout.milliseconds * 1_000 / Int64(speed * 1_000))
        var final: DemoRolloutView?
        while true {
            try checkInterrupted()
            let now = DemoClock.nowMs()
            if now - startMs > timeoutMs {
                summary.outcome = "timeout"
                say("the rollout did not end within \(timeoutMs / 1_000) s; stopping")
                break
            }
            for (index, pending) in pendingRestarts.enumerated().reversed() where now >= pending.dueMs {
                pendingRestarts.remove(at: index)
                try pending.restart()
            }
            if let simulator, !simulator.isRunning {
                throw DemoError("the simulator exited; see \(simulator.logPath):\n\(tail(simulator.logPath))")
            }
            if let coordinator, !coordinator.isRunning, pendingRestarts.isEmpty {
                throw DemoError("the coordinator exited; see \(coordinator.logPath):\n\(tail(coordinator.logPath))")
            }
            if let status = SimulatorStatus.read(from: runDirectory + "/simulator.json") {
                for (name, at) in status.faultOnsetMs.sorted(by: { $0.value < $1.value }) where !faultsSeen.contains(name) {
                    faultsSeen.insert(name)
                    let fault = scenario.faults.first { $0.name == name }
                    say("\(ProgressLine.seconds(at - startMs))  ⚡ fault \(name) on the \(fault?.target ?? "canary") replicas")
                }
            }
            guard let response = try? http.get("/api/v1/rollouts/\(summary.rolloutID ?? "")"), response.status == 200,
                  let view = try? JSONDecoder().decode(DemoRolloutView.self, from: response.body) else {
                usleep(100_000)
                continue
            }
            triggers.observe(canaryPPM: view.canaryWeightPPM, nowMs: now)
            for (i, action) in scenario.actions.enumerated() where !actionsDone.contains(i) {
                var trigger = action.trigger
                trigger.after = trigger.after.scaled(by: speed)
                guard let due = triggers.dueMs(trigger), now >= due else { continue }
                actionsDone.insert(i)
                try perform(action)
            }
            if let decision = view.lastDecision, decision.atMs != lastDecisionAt {
                lastDecisionAt = decision.atMs
                for line in ProgressLine.decision(decision, elapsedMs: decision.atMs - startMs) { say(line) }
            }
            let line = ProgressLine.status(view, elapsedMs: now - startMs)
            let shape = "\(view.step) \(view.phase) \(view.canaryWeightPPM)"
            if !lastLine.hasPrefix(shape) || now - lastLineMs >= 2_000 || view.isTerminal {
                say(line)
                lastLine = shape
                lastLineMs = now
            }
            if view.isTerminal {
                final = view
                break
            }
            usleep(UInt32(max(50_000, 200_000 / speed)))
        }
        if let final { record(final) }
    }

    func perform(_ action: ScenarioAction) throws {
        let at = ProgressLine.seconds(DemoClock.nowMs() - startMs)
        let down = action.downFor.scaled(by: speed).milliseconds
        switch action.kind {
        case .killAgent:
            let matching = replicas.indices.filter { replicas[$0].role == action.target }
            guard action.replica < matching.count, let agent = agents[matching[action.replica]] else {
                throw DemoError("scenario action kill_agent names \(action.target) replica \(action.replica), which does not exist")
            }
            let i = matching[action.replica]
            agent.send(SIGKILL)
            agent.wait(timeout: .seconds(2))
            summary.actions.append("killed agent \(replicas[i].version)#\(replicas[i].index) (SIGKILL)")
            say("\(at)  ✖ killed agent \(replicas[i].version)#\(replicas[i].index) (SIGKILL); restarting in \(down) ms")
            pendingRestarts.append((DemoClock.nowMs() + down, { [unowned self] in
                try startAgent(i)
                summary.actions.append("restarted agent \(replicas[i].version)#\(replicas[i].index)")
                say("\(ProgressLine.seconds(DemoClock.nowMs() - startMs))  ↻ agent \(replicas[i].version)#\(replicas[i].index) restarted")
            }))
        case .restartCoordinator:
            coordinator?.send(SIGKILL)
            coordinator?.wait(timeout: .seconds(2))
            summary.actions.append("killed the coordinator (SIGKILL)")
            say("\(at)  ✖ killed the coordinator (SIGKILL); restarting on the same journal in \(down) ms")
            pendingRestarts.append((DemoClock.nowMs() + down, { [unowned self] in
                try startCoordinator()
                summary.actions.append("restarted the coordinator")
                say("\(ProgressLine.seconds(DemoClock.nowMs() - startMs))  ↻ coordinator restarted")
            }))
        }
    }

    /// Notes the outcome and the decision behind it.
    func record(_ view: DemoRolloutView) {
        summary.outcome = view.phase
        if let decision = view.lastDecision {
            summary.decisionMs = decision.atMs
            summary.decisionReason = decision.reason
            summary.trippedGuards = Array(Set(decision.evidence.map(\.guardName))).sorted()
        }
        for verdict in view.verdicts ?? [] where verdict.isFail && !summary.trippedGuards.contains(verdict.evidence.guardName) {
            summary.trippedGuards.append(verdict.evidence.guardName)
        }
    }

    // MARK: Finish

    func finish() {
        // Let the last split reach every route page before the watch stops.
        let settle = DemoClock.nowMs() + 2_000
        while DemoClock.nowMs() < settle, let watch = routeWatch, !summary.outcome.hasPrefix("interrupted") {
            let target: UInt32 = summary.outcome == "promoted" ? 1_000_000 : 0
            if ["promoted", "rolled_back"].contains(summary.outcome), watch.snapshot.allSatisfy({ $0.canaryPPM == target }) { break }
            if !["promoted", "rolled_back"].contains(summary.outcome) { break }
            usleep(10_000)
        }
        routeWatch?.poll()
        routeWatch?.stop()
        if let pages = routeWatch?.snapshot {
            for page in pages { summary.routePagesCanaryPPM[page.name] = page.canaryPPM }
            summary.lastRouteZeroMs = pages.compactMap(\.droppedToZeroMs).max()
        }
        // Stop in data-flow order so every written sample can be counted:
        // traffic first, then agents (each flushes its last window), then
        // the coordinator (it journals what it staged).
        simulator?.stop()
        if let status = SimulatorStatus.read(from: runDirectory + "/simulator.json") {
            summary.samplesWritten = status.written
            summary.faults = status.faultOnsetMs
            summary.faultOnsetMs = status.faultOnsetMs.values.min()
        }
        usleep(UInt32(min(1_000_000, 1_000 * (scenario.window.milliseconds + 200))))
        waitUntilCounted(summary.samplesWrittenTotal, timeoutMs: 20_000)
        for agent in agents.values { agent.send(SIGTERM) }
        for agent in agents.values { agent.stop() }
        if let coordinator, coordinator.isRunning,
           let response = try? http.get("/api/v1/agents"),
           let list = try? JSONDecoder().decode([AgentStatus].self, from: response.body) {
            summary.agents = list.map {
                .init(agentID: $0.agentID, version: $0.version, windowsCounted: $0.windowsCounted,
                      windowsDuplicate: $0.windowsDuplicate, windowsRejected: $0.windowsRejected,
                      windowsDropped: $0.windowsDroppedTotal, ringLost: $0.ringLostTotal)
            }
            summary.ringLost = list.reduce(0) { $0 + $1.ringLostTotal }
        }
        coordinator?.stop(grace: .seconds(5))
        for child in children where child.isRunning { child.stop() }
        summary.pids = children.map(\.pid)
        summary.leftRunning = children.filter(\.isRunning).map(\.pid)
        if let journal = try? Journal(path: journalPath), let rows = try? journal.aggregates(model: plan.model, sinceSecond: 0) {
            for row in rows { summary.samplesCounted[row.version, default: 0] += UInt64(max(0, row.requests)) }
        }
        for r in replicas {
            _ = try? unlinkSharedSegment(r.ringName)
            _ = try? unlinkSharedSegment(r.routePageName)
        }
        summary.passed = judge()
        printSummary()
    }

    /// Waits (bounded) until the coordinator has counted every sample the
    /// replicas wrote, so stopping the agents loses nothing still in flight
    /// on a loaded machine; the summary reports whatever is missing after.
    func waitUntilCounted(_ written: UInt64, timeoutMs: Int64) {
        guard written > 0, coordinator?.isRunning == true else { return }
        let deadline = DemoClock.nowMs() + timeoutMs
        while DemoClock.nowMs() < deadline {
            if let response = try? http.get("/api/v1/models/\(plan.model)/history?since=0"),
               let rows = try? JSONSerialization.jsonObject(with: response.body) as? [[String: Any]] {
                let counted = rows.reduce(UInt64(0)) { $0 + UInt64(max(0, ($1["requests"] as? Int) ?? 0)) }
                if counted >= written { return }
            }
            usleep(100_000)
        }
    }

    /// Did the run end the way the scenario says it must?
    func judge() -> Bool {
        guard summary.error == nil, summary.outcome == scenario.expect.outcome, summary.leftRunning.isEmpty else { return false }
        if let expected = scenario.expect.guardName, !summary.trippedGuards.contains(expected) { return false }
        if summary.outcome == "rolled_back" {
            if let onset = summary.faultOnsetMs, let decision = summary.decisionMs, decision < onset { return false }
            if summary.routePagesCanaryPPM.values.contains(where: { $0 != 0 }) { return false }
        }
        return true
    }

    func printSummary() {
        say("\n── summary " + String(repeating: "─", count: 60))
        let mark = summary.passed ? "✓" : "✗"
        say("  outcome:          \(summary.outcome) (expected \(scenario.expect.outcome)) \(mark)")
        if let reason = summary.decisionReason { say("  decision:         \(reason)") }
        if let decision = summary.decisionMs, let started = summary.rolloutStartedMs {
            var text = "  time to decision: \(seconds(decision - started)) after the rollout started"
            if let onset = summary.faultOnsetMs { text += ", \(seconds(decision - onset)) after the fault began" }
            say(text)
        }
        if summary.outcome == "rolled_back", let zero = summary.lastRouteZeroMs {
            var text = "  route pages:      all \(summary.routePagesCanaryPPM.count) at 0 % canary"
            if let onset = summary.faultOnsetMs { text += ", the last \(seconds(zero - onset)) after the fault began" }
            say(text)
        }
        let written = summary.samplesWrittenTotal, counted = summary.samplesCountedTotal
        let lost = written > counted ? written - counted : 0
        say("  samples:          \(written) written by the replicas, \(counted) counted by the coordinator, \(lost) lost (ring loss \(summary.ringLost))")
        let duplicates = summary.agents.reduce(0) { $0 + $1.windowsDuplicate }
        let windows = summary.agents.reduce(0) { $0 + $1.windowsCounted }
        if !summary.agents.isEmpty { say("  windows:          \(windows) counted, \(duplicates) resent duplicates ignored") }
        for action in summary.actions { say("  action:           \(action)") }
        say("  processes:        \(summary.pids.count) started, \(summary.leftRunning.isEmpty ? "all stopped" : "STILL RUNNING: \(summary.leftRunning)")")
        say("  journal & logs:   \(runDirectory)")
        if let error = summary.error { say("  error:            \(error)") }
    }

    // MARK: Helpers

    func spawn(_ name: String, log: String, _ arguments: [String]) throws -> ChildProcess {
        let child = try ChildProcess.spawn(name: name, executable: executable, arguments: arguments, logPath: log)
        children.append(child)
        return child
    }

    func checkInterrupted() throws {
        if demoInterrupted.load(ordering: .relaxed) {
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

    func tail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(8).joined(separator: "\n")
    }

    func seconds(_ ms: Int64) -> String { String(format: "%.2f s", Double(ms) / 1_000) }

    /// The running `canary` binary: the children are the same executable.
    static func selfExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw DemoError("cannot find the canary executable (/proc/self/exe)") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
