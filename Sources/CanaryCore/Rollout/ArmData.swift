/// One version's data as the rollout machine keeps it: merged since the
/// rollout began, counted since the step began, and the windows still inside
/// the analysis window.
struct ArmData: Sendable, Equatable, Codable {
    struct Received: Sendable, Equatable, Codable {
        var atMs: Int64
        var window: Window
    }

    var cumulative: Window?
    var stepRequests: UInt64 = 0
    var recent: [Received] = []
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
        recent.append(Received(atMs: ms, window: window))
        lastWindowAtMs = max(lastWindowAtMs ?? ms, ms)
    }

    mutating func trim(olderThan cutoffMs: Int64) {
        if let firstKept = recent.firstIndex(where: { $0.atMs >= cutoffMs }) {
            recent.removeFirst(firstKept)
        } else {
            recent.removeAll()
        }
    }

    /// The windows received within the analysis window, merged.
    func recentMerged(like template: Window) -> Window {
        var merged = RolloutMachine.empty(like: template)
        for item in recent {
            // Every window here already merged into `cumulative`, so it merges here too.
            if let next = try? merged.merged(with: item.window) { merged = next }
        }
        return merged
    }
}
