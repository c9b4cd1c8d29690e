import CanaryCore

/// Per-second, per-version merged windows for the history the journal keeps
/// and the dashboard draws. Windows are bucketed by the second their
/// interval ends in. Counts go to the journal as increments (each window is
/// counted exactly once, so the sums stay exact across restarts); quantiles
/// are those of the merged bucket this process has seen.
struct SecondAggregates: Sendable {
    struct Key: Hashable, Sendable {
        let model: String
        let version: String
        let second: Int64
    }

    private var buckets: [Key: Window] = [:]
    /// Counts added since the last `takeChanged()`.
    private var increments: [Key: Window] = [:]
    /// Buckets older than this many seconds behind the newest are forgotten
    /// (they stay in the journal).
    let keepSeconds: Int64 = 30

    mutating func add(_ window: Window) {
        let key = Self.key(window)
        // The engine asked `mergeProblem` first, so these merges succeed; a
        // failure keeps what the bucket held rather than replacing it.
        if let bucket = buckets[key] {
            guard let merged = try? bucket.merged(with: window) else { return }
            buckets[key] = merged
        } else {
            buckets[key] = window
        }
        increments[key] = increments[key].flatMap { try? $0.merged(with: window) } ?? window
    }

    /// Why the window would not merge into its second's bucket, if it would not.
    func mergeProblem(_ window: Window) -> WindowError? {
        guard let bucket = buckets[Self.key(window)] else { return nil }
        do {
            try bucket.checkMerge(with: window)
            return nil
        } catch {
            return error
        }
    }

    /// An evicted model (or some of its versions): its buckets go.
    mutating func forget(model: String, versions: [String]) {
        let gone = Set(versions)
        for key in buckets.keys where key.model == model && gone.contains(key.version) { buckets[key] = nil }
        for key in increments.keys where key.model == model && gone.contains(key.version) { increments[key] = nil }
    }

    private static func key(_ window: Window) -> Key {
        Key(model: window.model, version: window.version, second: (window.endMs - 1) / 1000)
    }

    /// The changed buckets as journal rows; forgets old buckets.
    mutating func takeChanged() -> [AggregateRecord] {
        let rows = increments.compactMap { key, window -> AggregateRecord? in
            guard let merged = buckets[key] else { return nil }
            return AggregateRecord(
                model: key.model, version: key.version, second: key.second,
                requests: Int64(clamping: window.requestCount), errors: Int64(clamping: window.modelErrors),
                p50Us: Double(merged.latency.quantile(0.50)), p95Us: Double(merged.latency.quantile(0.95)),
                p99Us: Double(merged.latency.quantile(0.99)),
                labeled: Int64(clamping: window.labeledCount), correct: Int64(clamping: window.correctCount),
                unmatched: Int64(clamping: window.unmatchedCount),
                ringLost: Int64(clamping: window.ringLost &+ window.ringOverrun))
        }
        increments.removeAll()
        if let newest = buckets.keys.map(\.second).max() {
            buckets = buckets.filter { newest - $0.key.second <= keepSeconds }
        }
        return rows.sorted { ($0.second, $0.version) < ($1.second, $1.version) }
    }
}
