import CanaryAPI
import CanarySimulator
import Foundation

/// The follow loop: polls the rollout through the API until it ends (or
/// times out), printing each new decision and a status line, announcing
/// faults as the simulator reports them, and running the scenario's
/// actions when they are due.
extension DemoRun {
    func follow() async throws {
        var actionsDone: Set<Int> = []
        var lastDecisionAt: Int64?
        var lastLine = ""
        var lastLineMs: Int64 = 0
        var faultsSeen: Set<String> = []
        let timeoutMs = max(20_000, scenario.timeout.milliseconds * 1_000 / Int64(speed * 1_000))
        let rolloutID = summary.rolloutID ?? ""
        while true {
            try checkInterrupted()
            let now = DemoClock.nowMs()
            if now - startMs > timeoutMs {
                summary.outcome = "timeout"
                say("the rollout did not end within \(timeoutMs / 1_000) s; stopping")
                return
            }
            try await restartDue(nowMs: now)
            try processes.checkAlive(coordinatorExpected: pendingRestarts.isEmpty, starting: false)
            let status = SimulatorStatus.read(from: simulatorStatusPath)
            if let status {
                for (name, at) in status.faultOnsetMs.sorted(by: { $0.value < $1.value }) where !faultsSeen.contains(name) {
                    faultsSeen.insert(name)
                    let fault = scenario.faults.first { $0.name == name }
                    say("\(ProgressLine.seconds(at - startMs))  ⚡ fault \(name) on the \(fault?.target ?? "canary") replicas")
                }
                try await performDueActions(stepReachedMs: status.stepReachedMs, nowMs: now, done: &actionsDone)
            }
            guard let view = await api.rollout(id: rolloutID) else {
                await ChildProcess.pause(.milliseconds(100))
                continue
            }
            if let decision = view.lastDecision, decision.atMs != lastDecisionAt {
                lastDecisionAt = decision.atMs
                for line in ProgressLine.decision(decision, elapsedMs: decision.atMs - startMs) { say(line) }
            }
            let line = ProgressLine.status(view, elapsedMs: now - startMs)
            let shape = "\(view.step) \(view.phase) \(view.canaryWeightPPM)"
            if !lastLine.hasPrefix(shape) || now - lastLineMs >= 2_000 || view.phase.isTerminal {
                say(line)
                lastLine = shape
                lastLineMs = now
            }
            if view.phase.isTerminal {
                record(view)
                return
            }
            await ChildProcess.pause(.microseconds(Int64(max(50_000, 200_000 / speed))))
        }
    }

    /// Notes the outcome and the decision behind it.
    func record(_ view: RolloutView) {
        summary.outcome = view.phase.rawValue
        if let decision = view.lastDecision {
            summary.decisionMs = decision.atMs
            summary.decisionReason = decision.reason
            summary.trippedGuards = Array(Set(decision.evidence.map(\.guardName))).sorted()
        }
        for verdict in view.verdicts where verdict.isFail && !summary.trippedGuards.contains(verdict.evidence.guardName) {
            summary.trippedGuards.append(verdict.evidence.guardName)
        }
    }
}
