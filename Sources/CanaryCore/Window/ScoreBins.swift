/// Counts of prediction scores in fixed bins. The edges come from config and
/// must be identical fleet-wide for windows to merge (like histogram settings).
///
/// `edges` are strictly increasing; `counts` has `edges.count + 1` entries:
/// below the first edge, between consecutive edges, at or above the last.
public struct ScoreBins: Sendable, Equatable, Hashable, Codable {
    public let edges: [Float]
    public private(set) var counts: [UInt64]

    public init(edges: [Float]) throws(WindowError) {
        try self.init(edges: edges, counts: Array(repeating: 0, count: edges.count + 1))
    }

    public init(edges: [Float], counts: [UInt64]) throws(WindowError) {
        guard counts.count == edges.count + 1 else {
            throw WindowError(.invalidScoreBins, "score bins need \(edges.count + 1) counts for \(edges.count) edges, got \(counts.count)")
        }
        for i in edges.indices {
            guard edges[i].isFinite, i == 0 || edges[i - 1] < edges[i] else {
                throw WindowError(.invalidScoreBins, "score bin edges must be finite and strictly increasing, got \(edges)")
            }
        }
        var total: UInt64 = 0
        for count in counts {
            guard let sum = WindowBounds.add(total, count) else {
                throw WindowError(.countOverflow, "score bins count more than the 2^53 scores a window may carry")
            }
            total = sum
        }
        self.edges = edges
        self.counts = counts
    }

    /// No edges: one bin that counts every score. Valid by construction.
    public static let none = try! ScoreBins(edges: [])

    public var total: UInt64 { counts.reduce(0, &+) }

    public mutating func record(_ score: Float, count: UInt64 = 1) {
        guard !score.isNaN else { return }
        // Binary search for the first edge greater than the score.
        var lo = 0
        var hi = edges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if edges[mid] <= score { lo = mid + 1 } else { hi = mid }
        }
        counts[lo] &+= count
    }

    public mutating func merge(_ other: ScoreBins) throws(WindowError) {
        guard edges == other.edges else {
            throw WindowError(.scoreEdgesMismatch, "cannot merge score bins with edges \(edges) and \(other.edges)")
        }
        guard let sum = WindowBounds.add(total, other.total) else {
            throw WindowError(.countOverflow, "merging score bins of \(total) and \(other.total) scores would exceed the 2^53 a window may carry")
        }
        _ = sum
        for i in counts.indices { counts[i] += other.counts[i] }
    }
}
