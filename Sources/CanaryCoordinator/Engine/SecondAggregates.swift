import CanaryCore

/// Per-second, per-version merged windows for the history the journal keeps
/// and the dashboard draws. Windows are bucketed by the second their
/// interval ends in. Rows carry the counts added since this process last
/// wrote the bucket (the journal adds them up): a bucket that starts empty
/// here — after a restart, or a window later than `keepSeconds` — must add
/// to the second already journaled, never replace it.
struct SecondAggregates: Sendable {
    struct Key: Hashable, Sendable {
        let model: String
        let version: String
        let second: Int64
    }

    private var buckets: [Key: Window] = [:]
    private var dirty: Set<Key> = []
    /// Counts of each bucket as last handed to the journal.
    private var journaled: [Key: Counts] = [:]

    struct Counts {
        var requests: Int64 = 0, errors: Int64 = 0, labeled: Int64 = 0, correct: Int64 = 0, ringLost: Int64 = 0
    }
    /// Buckets older than this many seconds behind the newest are forgotten
    /// (they stay in the journal).
    let keepSeconds: Int64 = 30

    mutating func add(_ window: Window) {
        let key = Key(model: window.model, version: window.version, second: (window.endMs - 1) / 1000)
        if let existing = buckets[key], let merged = try? existing.merged(with: window) {
            buckets[key] = merged
        } else if buckets[key] == nil {
            buckets[key] = window
        } else {
            return  // settings differ: already refused upstream, never here
        }
        dirty.insert(key)
    }

    /// The changed buckets as journal rows; forgets old buckets.
    mutating func takeChanged() -> [AggregateRecord] {
        let rows = dirty.compactMap { key -> AggregateRecord? in
            guard let window = buckets[key] else { return nil }
            let now = Counts(
                requests: Int64(clamping: window.requestCount), errors: Int64(clamping: window.modelErrors),
                labeled: Int64(clamping: window.labeledCount), correct: Int64(clamping: window.correctCount),
                ringLost: Int64(clamping: window.ringLost &+ window.ringOverrun))
            let before = journaled[key] ?? Counts()
            journaled[key] = now
            return AggregateRecord(
                model: key.model, version: key.version, second: key.second,
                requests: now.requests - before.requests, errors: now.errors - before.errors,
                p50Us: Double(window.latency.quantile(0.50)), p95Us: Double(window.latency.quantile(0.95)),
                p99Us: Double(window.latency.quantile(0.99)),
                labeled: now.labeled - before.labeled, correct: now.correct - before.correct,
                ringLost: now.ringLost - before.ringLost)
        }
        dirty.removeAll()
        if let newest = buckets.keys.map(\.second).max() {
            buckets = buckets.filter { newest - $0.key.second <= keepSeconds }
            journaled = journaled.filter { newest - $0.key.second <= keepSeconds }
        }
        return rows.sorted { ($0.second, $0.version) < ($1.second, $1.version) }
    }
}
