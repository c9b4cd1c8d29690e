import CanaryCore

/// A rollout as the API and the dashboard show it.
public struct RolloutView: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var model: String
    public var baseline: String
    public var canary: String
    public var phase: RolloutPhase
    /// 1-based index of the current step, and the number of steps.
    public var step: Int
    public var steps: Int
    public var stepsPPM: [UInt32]
    public var canaryWeightPPM: UInt32
    public var weightsPPM: [String: UInt32]
    public var stepStartedMs: Int64?
    public var createdMs: Int64
    public var updatedMs: Int64
    public var waitingFor: [String]
    public var pauseReason: String?
    public var staleAgents: [String]
    public var verdicts: [Verdict]
    /// Cumulative metrics per version since the rollout began.
    public var summaries: [String: VersionSummary]
    public var lastDecision: Decision?
    public var plan: RolloutPlan
    public var planSource: String

    init(entry: RolloutEntry) {
        let machine = entry.machine
        id = entry.id
        name = machine.plan.name
        model = machine.plan.model
        baseline = machine.plan.baseline
        canary = machine.plan.canary
        phase = machine.phase
        step = machine.stepIndex + 1
        steps = machine.plan.stepsPPM.count
        stepsPPM = machine.plan.stepsPPM
        canaryWeightPPM = machine.canaryWeightPPM
        weightsPPM = machine.weightsPPM
        stepStartedMs = machine.stepStartedAtMs
        createdMs = entry.createdMs
        updatedMs = entry.updatedMs
        waitingFor = machine.waitingFor
        pauseReason = machine.pauseReason
        staleAgents = machine.staleAgents
        verdicts = machine.latestVerdicts
        summaries = machine.summaries
        lastDecision = entry.lastDecision
        plan = machine.plan
        planSource = entry.planSource
    }
}

/// One rollout the engine steers: its machine and bookkeeping.
struct RolloutEntry: Sendable {
    let id: String
    let planSource: String
    let createdMs: Int64
    var updatedMs: Int64
    var machine: RolloutMachine
    var lastDecision: Decision?
}
