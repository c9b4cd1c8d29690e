import CanaryAPI
import CanaryCore

/// One rollout the engine steers: its machine and bookkeeping.
struct RolloutEntry: Sendable {
    let id: String
    let planSource: String
    let createdMs: Int64
    /// When last changed, on the wall clock and on the run clock.
    var updatedMs: Int64
    var updatedRunMs: Int64
    var machine: RolloutMachine
    var lastDecision: Decision?
}

extension RolloutView {
    /// The API's view of a rollout the engine steers, as of its last
    /// change. The step's start is shown on the wall clock as that
    /// moment less the time baked, so it moves with neither a pause nor
    /// a stop nor a jump of the wall clock.
    init(entry: RolloutEntry) {
        let machine = entry.machine
        let bake = machine.bake(at: entry.updatedRunMs)
        self.init(
            id: entry.id, name: machine.plan.name, model: machine.plan.model, baseline: machine.plan.baseline,
            canary: machine.plan.canary, phase: machine.phase, step: machine.stepIndex + 1,
            steps: machine.plan.stepsPPM.count, stepsPPM: machine.plan.stepsPPM,
            canaryWeightPPM: machine.canaryWeightPPM, weightsPPM: machine.weightsPPM,
            stepStartedMs: bake.map { entry.updatedMs - $0.bakedMs }, bake: bake, createdMs: entry.createdMs, updatedMs: entry.updatedMs,
            waitingFor: machine.waitingFor, pauseReason: machine.pauseReason, staleAgents: machine.staleAgents,
            verdicts: machine.latestVerdicts, summaries: machine.summaries, lastDecision: entry.lastDecision,
            plan: machine.plan, planSource: entry.planSource)
    }
}
