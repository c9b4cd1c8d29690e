/// The merge of the windows received within the last `analysis_window`,
/// maintained with the two-stack sliding-window aggregation: every window is
/// merged a constant number of times (amortised) instead of re-merging the
/// whole analysis window on each judgement — a merge costs a pass over the
/// latency histogram's ~17 k buckets, so this is what keeps a coordinator
/// with many agents, and the benchmark, cheap. Needs only associativity.
struct SlidingWindowSum: Sendable, Equatable, Codable {
    struct Entry: Sendable, Equatable, Codable {
        var atMs: Int64
        var window: Window
    }

    /// Oldest entry last; each holds the merge of itself and every newer
    /// entry in `front`.
    private var front: [Entry] = []
    /// Newest entry last, as received.
    private var back: [Entry] = []
    private var backSum: Window?

    var isEmpty: Bool { front.isEmpty && back.isEmpty }

    /// Windows received within the same slot are merged into one entry, so
    /// memory and snapshot size stay bounded by `analysis_window / slotMs`
    /// however many agents report; eviction is then up to one slot late.
    static let slotMs: Int64 = 1_000

    mutating func append(_ window: Window, at ms: Int64) {
        if let last = back.last, last.atMs / Self.slotMs == ms / Self.slotMs,
           let merged = try? last.window.merged(with: window) {
            back[back.count - 1] = Entry(atMs: max(last.atMs, ms), window: merged)
        } else {
            back.append(Entry(atMs: ms, window: window))
        }
        // The window already merged into the arm's cumulative, so it merges here.
        backSum = backSum.map { (try? $0.merged(with: window)) ?? $0 } ?? window
    }

    /// Drops every window received before `cutoffMs`.
    mutating func evict(before cutoffMs: Int64) {
        while true {
            if front.isEmpty {
                guard let oldest = back.first, oldest.atMs < cutoffMs else { return }
                flip()
            }
            guard let oldest = front.last, oldest.atMs < cutoffMs else { return }
            front.removeLast()
        }
    }

    /// The merge of all windows held, or nil when empty.
    var sum: Window? {
        switch (front.last?.window, backSum) {
        case (nil, nil): nil
        case (let f?, nil): f
        case (nil, let b?): b
        case (let f?, let b?): (try? f.merged(with: b)) ?? f
        }
    }

    private mutating func flip() {
        var running: Window?
        for entry in back.reversed() {
            let merged = running.map { (try? entry.window.merged(with: $0)) ?? entry.window } ?? entry.window
            front.append(Entry(atMs: entry.atMs, window: merged))
            running = merged
        }
        back.removeAll()
        backSum = nil
    }
}
