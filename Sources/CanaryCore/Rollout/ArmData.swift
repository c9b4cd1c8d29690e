/// One version's data as the rollout machine keeps it: merged since the
/// rollout began, counted since the step began, and merged over the
/// analysis window.
struct ArmData: Sendable, Equatable, Codable {
    var cumulative: Window?
    var stepRequests: UInt64 = 0
    /// Labels that arrived this step (optional: absent from older snapshots).
    var stepLabeled: UInt64?
    var recent = SlidingWindowSum()
    var lastWindowAtMs: Int64?

    /// Adds a window; throws (changing nothing) if it cannot merge with what
    /// this arm already holds.
    mutating func add(_ window: Window, at ms: Int64) throws(WindowError) {
        if let cumulative {
            self.cumulative = try cumulative.merged(with: window)
        } else {
            cumulative = window
        }
        stepRequests &+= window.requestCount
        stepLabeled = (stepLabeled ?? 0) &+ window.labeledCount
        recent.append(window, at: ms)
        lastWindowAtMs = max(lastWindowAtMs ?? ms, ms)
    }

    mutating func trim(olderThan cutoffMs: Int64) {
        recent.evict(before: cutoffMs)
    }

    /// The windows received within the analysis window, merged.
    func recentMerged(like template: Window) -> Window {
        recent.sum ?? RolloutMachine.empty(like: template)
    }
}
