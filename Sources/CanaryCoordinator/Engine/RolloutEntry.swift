import CanaryAPI
import CanaryCore

/// One rollout the engine steers: its machine and bookkeeping.
struct RolloutEntry: Sendable {
    let id: String
    let planSource: String
    let createdMs: Int64
    var updatedMs: Int64
    var machine: RolloutMachine
    var lastDecision: Decision?
}

extension RolloutView {
    /// The API's view of a rollout the engine steers.
    init(entry: RolloutEntry) {
        let machine = entry.machine
        self.init(
            id: entry.id, name: machine.plan.name, model: machine.plan.model, baseline: machine.plan.baseline,
            canary: machine.plan.canary, phase: machine.phase, step: machine.stepIndex + 1,
            steps: machine.plan.stepsPPM.count, stepsPPM: machine.plan.stepsPPM,
            canaryWeightPPM: machine.canaryWeightPPM, weightsPPM: machine.weightsPPM,
            stepStartedMs: machine.stepStartedAtMs, createdMs: entry.createdMs, updatedMs: entry.updatedMs,
            waitingFor: machine.waitingFor, pauseReason: machine.pauseReason, staleAgents: machine.staleAgents,
            verdicts: machine.latestVerdicts, summaries: machine.summaries, lastDecision: entry.lastDecision,
            plan: machine.plan, planSource: entry.planSource)
    }
}
