/// What to do when a guard fails.
public enum BreachAction: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case rollback
    case pause
}

/// How long each step must bake before it may advance.
public struct Bake: Sendable, Equatable, Hashable, Codable {
    public var minDurationMs: Int64
    /// Requests per arm (canary and baseline) within the step.
    public var minSamplesPerArm: UInt64

    public init(minDurationMs: Int64, minSamplesPerArm: UInt64) {
        self.minDurationMs = minDurationMs
        self.minSamplesPerArm = minSamplesPerArm
    }
}

/// A rollout plan, usually parsed from YAML (`RolloutPlan.parse`). Weights are
/// the canary's share in parts per million.
public struct RolloutPlan: Sendable, Equatable, Hashable, Codable {
    public static let fullWeightPPM: UInt32 = 1_000_000

    public var name: String
    public var model: String
    public var baseline: String
    public var canary: String
    /// The route label of the control arm — fresh replicas of the baseline
    /// version (agents with `role: control`) that receive the canary's
    /// share, so the relative guards compare two pools of the same size
    /// and warmth (``RolloutMachine/comparisonArm``); nil = no control, the
    /// canary is compared with the whole baseline. Absent from plans
    /// journaled before it existed, which therefore decode without one.
    public var control: String?
    /// Strictly increasing canary weights, each in (0, 1 000 000].
    public var stepsPPM: [UInt32]
    public var bake: Bake
    /// The sliding window over which absolute limits and drift are judged.
    /// Relative guards accumulate since the rollout started (see `Judge`).
    public var analysisWindowMs: Int64
    /// Family-wise false-rollback probability of the relative guards over the
    /// whole rollout, however often they are checked.
    public var alpha: Double
    /// Steps (ppm) that wait for an operator's `resume` before being entered.
    public var pauseBeforePPM: [UInt32]
    public var onBreach: BreachAction
    /// Longest a step may run (not counting paused time) before the breach
    /// action applies; nil = no deadline.
    public var progressDeadlineMs: Int64?
    /// A version whose newest window is older than this is stale: the machine
    /// will not advance on its data.
    public var staleAfterMs: Int64
    public var guards: [Guard]
    /// Optional only so plans journaled before it decode (as `.legacy`);
    /// read it through `evidencePolicy`.
    public var evidence: EvidencePolicy?

    public var evidencePolicy: EvidencePolicy { evidence ?? .legacy }

    public init(
        name: String? = nil, model: String, baseline: String, canary: String, control: String? = nil, stepsPPM: [UInt32], bake: Bake,
        analysisWindowMs: Int64 = 60_000, alpha: Double = 0.01, pauseBeforePPM: [UInt32] = [],
        onBreach: BreachAction = .rollback, progressDeadlineMs: Int64? = nil, staleAfterMs: Int64 = 5_000,
        guards: [Guard], evidence: EvidencePolicy = EvidencePolicy()
    ) {
        self.name = name ?? "\(model): \(baseline) → \(canary)"
        self.model = model
        self.baseline = baseline
        self.canary = canary
        self.control = control
        self.stepsPPM = stepsPPM
        self.bake = bake
        self.analysisWindowMs = analysisWindowMs
        self.alpha = alpha
        self.pauseBeforePPM = pauseBeforePPM
        self.onBreach = onBreach
        self.progressDeadlineMs = progressDeadlineMs
        self.staleAfterMs = staleAfterMs
        self.guards = guards
        self.evidence = evidence
    }

    /// The e-value a relative guard must reach to fail: 1 / (alpha / k) for k
    /// relative guards (Bonferroni), so the union stays within alpha.
    public var rejectionThreshold: Double {
        let k = Swift.max(1, guards.filter(\.isRelative).count)
        return Double(k) / alpha
    }
}
