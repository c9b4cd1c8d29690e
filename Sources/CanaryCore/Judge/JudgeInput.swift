/// What the judge looks at: each arm's windows merged since the rollout
/// began (for comparisons with the baseline) and over the analysis window
/// (for absolute limits and ring loss).
public struct JudgeInput: Sendable, Equatable, Codable {
    public var baseline: Window
    public var canary: Window
    public var recentBaseline: Window
    public var recentCanary: Window

    public init(baseline: Window, canary: Window, recentBaseline: Window, recentCanary: Window) {
        self.baseline = baseline
        self.canary = canary
        self.recentBaseline = recentBaseline
        self.recentCanary = recentCanary
    }
}
