import CanaryCore
import Foundation
import Synchronization

/// A Prometheus histogram family fed from aggregates: a counted window adds
/// its latency buckets' counts at once, so recording costs one pass over the
/// window's (bounded) bucket list, whatever the counts in it.
///
/// swift-prometheus's `Histogram` only records one observation per call
/// (re-recording a window value by value cost 75 s for one hostile window of
/// 143 M requests) and its metric protocol is internal, so this family keeps
/// the cumulative bucket counts itself and renders them in the same text
/// format (`# TYPE … histogram`, `_bucket{le=…}`, `_sum`, `_count`).
final class AggregateHistogram: Sendable {
    let name: String
    let help: String
    /// Upper bounds in seconds, increasing; `+Inf` is implied.
    let bounds: [Double]

    private struct Series: Sendable {
        let labels: [(String, String)]
        var counts: [UInt64]
        var sum: Double = 0
        var count: UInt64 = 0
    }

    private let series = Mutex<[String: Series]>([:])

    init(name: String, help: String, bounds: [Double]) {
        self.name = name
        self.help = help
        self.bounds = bounds
    }

    /// Adds a window's buckets (values in µs) to the series of `labels`.
    func add(labels: [(String, String)], buckets: [LatencyBucket]) {
        let key = Self.render(labels)
        // Per Prometheus bucket: how many values land in it (not cumulative yet).
        var added = [UInt64](repeating: 0, count: bounds.count)
        var sum = 0.0
        var count: UInt64 = 0
        var index = 0
        for bucket in buckets {
            let seconds = Double(bucket.valueMicros) / 1_000_000
            // Buckets arrive in increasing order: one merge-like pass.
            while index < bounds.count, seconds > bounds[index] { index += 1 }
            if index < bounds.count { added[index] &+= bucket.count }
            sum += seconds * Double(bucket.count)
            count &+= bucket.count
        }
        let bucketCount = bounds.count
        series.withLock { all in
            var entry = all[key] ?? Series(labels: labels, counts: [UInt64](repeating: 0, count: bucketCount))
            var running: UInt64 = 0
            for i in 0..<bucketCount {
                running &+= added[i]
                entry.counts[i] &+= running
            }
            entry.sum += sum
            entry.count &+= count
            all[key] = entry
        }
    }

    /// Drops every series whose labels include `label = value` (an evicted model).
    func remove(label: String, value: String) {
        series.withLock { all in
            for (key, entry) in all where entry.labels.contains(where: { $0.0 == label && $0.1 == value }) { all[key] = nil }
        }
    }

    var seriesCount: Int { series.withLock { $0.count } }

    /// The family in the Prometheus text format (0.0.4), series sorted.
    func render() -> String {
        let all = series.withLock { $0 }
        guard !all.isEmpty else { return "" }
        var text = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for key in all.keys.sorted() {
            guard let entry = all[key] else { continue }
            let prefix = key.isEmpty ? "" : key + ","
            for (bound, count) in zip(bounds, entry.counts) {
                text += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(count)\n"
            }
            text += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(entry.count)\n"
            let labels = key.isEmpty ? "" : "{\(key)}"
            text += "\(name)_sum\(labels) \(entry.sum)\n"
            text += "\(name)_count\(labels) \(entry.count)\n"
        }
        return text
    }

    /// `a="x",b="y"` with the text format's escapes.
    static func render(_ labels: [(String, String)]) -> String {
        labels.map { name, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
            return "\(name)=\"\(escaped)\""
        }.joined(separator: ",")
    }
}
