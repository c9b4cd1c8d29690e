/// What a step that has baked but whose relative guards are not yet shown
/// within tolerance does once `bake.max_duration` has passed.
public enum InconclusiveAction: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Hold the split and tell the operator, with the evidence.
    case pause
    case rollback
    /// Advance (or promote) anyway: the rule before positive evidence.
    case advance
}

/// When the rollout may move forward, and how the relative guards compare
/// the arms (``Judge``, ``RolloutMachine``).
///
/// The sequential test bounds false rollbacks (alpha); this bounds the other
/// error: a canary worse than its tolerance but not yet proven worse is not
/// advanced or promoted unless every relative guard's anytime-valid upper
/// confidence bound shows it within tolerance at `confidence` (β = 1 −
/// confidence per guard).
public struct EvidencePolicy: Sendable, Equatable, Hashable, Codable {
    /// `promote_confidence`: 1 − β.
    public var confidence: Double
    /// `confirm_from`: steps at or above this canary weight advance only on
    /// positive evidence; promotion always needs it. 0 = every step.
    public var confirmFromPPM: UInt32
    /// `bake.max_duration`: how long a baked step waits for evidence before
    /// `onInconclusive` applies. Never below `bake.min_duration`.
    public var maxBakeMs: Int64
    public var onInconclusive: InconclusiveAction
    /// `holdback`: the baseline's share kept during a 100 % step until it has
    /// baked, so that step still has a concurrent comparison. 0 = judge that
    /// step by absolute limits (the relative guards keep what earlier steps
    /// showed) and say so.
    public var holdbackPPM: UInt32
    /// `stratum`: the longest time stratum of the relative guards' tests
    /// (strata also end wherever the split changes).
    public var stratumMs: Int64

    public static let defaultMaxBakeMs: Int64 = 600_000

    public init(confidence: Double = 0.99, confirmFromPPM: UInt32 = 0, maxBakeMs: Int64 = EvidencePolicy.defaultMaxBakeMs,
                onInconclusive: InconclusiveAction = .pause, holdbackPPM: UInt32 = 50_000, stratumMs: Int64 = 5_000) {
        self.confidence = confidence
        self.confirmFromPPM = confirmFromPPM
        self.maxBakeMs = maxBakeMs
        self.onInconclusive = onInconclusive
        self.holdbackPPM = holdbackPPM
        self.stratumMs = stratumMs
    }

    /// A plan journaled before positive evidence existed keeps the rule it
    /// was started under: advance once baked, no holdback.
    public static let legacy = EvidencePolicy(maxBakeMs: 0, onInconclusive: .advance, holdbackPPM: 0)
}
