import CanaryCore

/// A rollout as the API and the dashboard show it (`GET /api/v1/rollouts/{id}`,
/// the `rollout` server-sent event). The coordinator builds it from its
/// state (`RolloutView(entry:)` in CanaryCoordinator).
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
    /// When the current step started on the wall clock, as of `updatedMs`:
    /// that moment less the time it baked (so paused, stopped and down
    /// time move it later; the `advance` event has the real moment).
    public var stepStartedMs: Int64?
    /// The current step's bake on the coordinator's run clock, as of
    /// `updatedMs`, and the stopped and down time left out of it.
    public var bake: BakeTime?
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
    /// Set when the coordinator could not load or check this rollout's
    /// journaled state at start: the error, and the rollout is not steered
    /// (its route table stays as journaled) until an operator acts.
    public var quarantine: String?

    public init(
        id: String, name: String, model: String, baseline: String, canary: String, phase: RolloutPhase, step: Int,
        steps: Int, stepsPPM: [UInt32], canaryWeightPPM: UInt32, weightsPPM: [String: UInt32], stepStartedMs: Int64?,
        bake: BakeTime? = nil, createdMs: Int64, updatedMs: Int64, waitingFor: [String], pauseReason: String?, staleAgents: [String],
        verdicts: [Verdict], summaries: [String: VersionSummary], lastDecision: Decision?, plan: RolloutPlan,
        planSource: String, quarantine: String? = nil
    ) {
        self.id = id
        self.name = name
        self.model = model
        self.baseline = baseline
        self.canary = canary
        self.phase = phase
        self.step = step
        self.steps = steps
        self.stepsPPM = stepsPPM
        self.canaryWeightPPM = canaryWeightPPM
        self.weightsPPM = weightsPPM
        self.stepStartedMs = stepStartedMs
        self.bake = bake
        self.createdMs = createdMs
        self.updatedMs = updatedMs
        self.waitingFor = waitingFor
        self.pauseReason = pauseReason
        self.staleAgents = staleAgents
        self.verdicts = verdicts
        self.summaries = summaries
        self.lastDecision = lastDecision
        self.plan = plan
        self.planSource = planSource
        self.quarantine = quarantine
    }
}
