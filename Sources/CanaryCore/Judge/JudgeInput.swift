/// What the judge looks at: each arm's windows merged since the rollout
/// began (for display and drift), over the analysis window (for absolute
/// limits and ring loss), and per time stratum (for the relative guards).
/// `baseline` is the arm the canary is compared with: the whole
/// baseline, or the plan's control arm (``RolloutMachine/comparisonArm``),
/// as `comparedWith` names it.
/// And the baseline before the rollout began, for `baseline_interference`.
public struct JudgeInput: Sendable, Equatable, Codable {
    public var baseline: Window
    public var canary: Window
    public var recentBaseline: Window
    public var recentCanary: Window
    /// The relative guards' contrasts over the time strata closed so far, by
    /// guard index. nil: no strata — `baseline` and `canary` are compared as
    /// one stratum.
    public var closedStrata: [StratifiedContrast]?
    /// Both arms' windows in the stratum still open.
    public var openBaseline: Window?
    public var openCanary: Window?
    /// Whether this step advances only on positive evidence.
    public var requiresEvidence: Bool
    /// The canary's share of the compared arms' traffic at the current split.
    public var canaryShare: Double
    /// The canary's labels and requests during the current step.
    public var stepLabeled: UInt64?
    public var stepRequests: UInt64?

    /// The baseline before the rollout began, for `baseline_interference`
    /// guards; nil when the coordinator gave the machine none.
    public var reference: BaselineReference?

    /// "baseline" or "control"; nil (inputs encoded before it existed) is
    /// the baseline.
    public var comparedWith: String?

    public init(baseline: Window, canary: Window, recentBaseline: Window, recentCanary: Window, comparedWith: String? = nil,
                closedStrata: [StratifiedContrast]? = nil, openBaseline: Window? = nil, openCanary: Window? = nil,
                requiresEvidence: Bool = false, canaryShare: Double = 0.1, stepLabeled: UInt64? = nil, stepRequests: UInt64? = nil,
                reference: BaselineReference? = nil) {
        self.baseline = baseline
        self.canary = canary
        self.recentBaseline = recentBaseline
        self.recentCanary = recentCanary
        self.closedStrata = closedStrata
        self.openBaseline = openBaseline
        self.openCanary = openCanary
        self.requiresEvidence = requiresEvidence
        self.canaryShare = canaryShare
        self.stepLabeled = stepLabeled
        self.stepRequests = stepRequests
        self.comparedWith = comparedWith
        self.reference = reference
    }

    /// The name of the compared arm, as the evidence says it.
    public var comparedArm: String { comparedWith ?? "baseline" }
}
