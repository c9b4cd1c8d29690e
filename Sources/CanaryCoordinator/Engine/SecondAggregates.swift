import CanaryCore

/// Per-second, per-version merged windows for the history the journal keeps
/// and the dashboard draws. Windows are bucketed by the second their
/// interval ends in; a bucket is rewritten whole each time it changes.
struct SecondAggregates: Sendable {
    struct Key: Hashable, Sendable {
        let model: String
        let version: String
        let second: Int64
    }

    private var buckets: [Key: Window] = [:]
    private var dirty: Set<Key> = []
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
            return AggregateRecord(
                model: key.model, version: key.version, second: key.second,
                requests: Int64(clamping: window.requestCount), errors: Int64(clamping: window.modelErrors),
                p50Us: Double(window.latency.quantile(0.50)), p95Us: Double(window.latency.quantile(0.95)),
                p99Us: Double(window.latency.quantile(0.99)),
                labeled: Int64(clamping: window.labeledCount), correct: Int64(clamping: window.correctCount),
                ringLost: Int64(clamping: window.ringLost &+ window.ringOverrun))
        }
        dirty.removeAll()
        if let newest = buckets.keys.map(\.second).max() {
            buckets = buckets.filter { newest - $0.key.second <= keepSeconds }
        }
        return rows.sorted { ($0.second, $0.version) < ($1.second, $1.version) }
    }
}
