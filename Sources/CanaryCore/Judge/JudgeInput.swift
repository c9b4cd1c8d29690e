/// What the judge looks at: each arm's windows merged since the rollout
/// began (for comparisons with the baseline) and over the analysis window
/// (for absolute limits and ring loss); and the baseline before the
/// rollout began, for `baseline_interference` guards.
public struct JudgeInput: Sendable, Equatable, Codable {
    public var baseline: Window
    public var canary: Window
    public var recentBaseline: Window
    public var recentCanary: Window
    /// Nil when the coordinator gave the machine none (no such guard).
    public var reference: BaselineReference?

    public init(baseline: Window, canary: Window, recentBaseline: Window, recentCanary: Window, reference: BaselineReference? = nil) {
        self.baseline = baseline
        self.canary = canary
        self.recentBaseline = recentBaseline
        self.recentCanary = recentCanary
        self.reference = reference
    }
}
