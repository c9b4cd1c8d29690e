/// What the judge looks at: each arm's windows merged since the rollout
/// began (for comparisons with the baseline) and over the analysis window
/// (for absolute limits and ring loss). `baseline` is the arm the canary is
/// compared with: the whole baseline, or the plan's control arm
/// (``RolloutMachine/comparisonArm``), as `comparedWith` names it.
public struct JudgeInput: Sendable, Equatable, Codable {
    public var baseline: Window
    public var canary: Window
    public var recentBaseline: Window
    public var recentCanary: Window
    /// "baseline" or "control"; nil (inputs encoded before it existed) is
    /// the baseline.
    public var comparedWith: String?

    public init(baseline: Window, canary: Window, recentBaseline: Window, recentCanary: Window, comparedWith: String? = nil) {
        self.baseline = baseline
        self.canary = canary
        self.recentBaseline = recentBaseline
        self.recentCanary = recentCanary
        self.comparedWith = comparedWith
    }

    /// The name of the compared arm, as the evidence says it.
    public var comparedArm: String { comparedWith ?? "baseline" }
}
