import Foundation

/// Distances between two categorical distributions (prediction classes or
/// score bins). Not a sequential test: drift is a property the operator
/// bounds with a threshold, and both measures are computed on Laplace-
/// smoothed shares so empty categories do not make them infinite.
public enum Drift {
    /// Population stability index Σ (c − b)·ln(c / b). Rule of thumb: < 0.1
    /// stable, 0.1–0.25 moderate, > 0.25 major shift.
    public static func psi(canary: [UInt64], baseline: [UInt64]) -> Double {
        let (c, b) = smoothedShares(canary, baseline)
        return zip(c, b).reduce(0) { $0 + ($1.0 - $1.1) * log($1.0 / $1.1) }
    }

    /// Jensen–Shannon divergence in bits, in [0, 1]; symmetric and bounded,
    /// so one threshold means the same for any number of categories.
    public static func jensenShannon(canary: [UInt64], baseline: [UInt64]) -> Double {
        let (c, b) = smoothedShares(canary, baseline)
        var sum = 0.0
        for (p, q) in zip(c, b) {
            let m = (p + q) / 2
            sum += 0.5 * p * log2(p / m) + 0.5 * q * log2(q / m)
        }
        return max(0, min(1, sum))
    }

    /// Aligns sparse class counts into two dense vectors over the union of classes.
    public static func aligned(canary: [Int32: UInt64], baseline: [Int32: UInt64]) -> ([UInt64], [UInt64]) {
        let classes = Set(canary.keys).union(baseline.keys).sorted()
        return (classes.map { canary[$0] ?? 0 }, classes.map { baseline[$0] ?? 0 })
    }

    static func smoothedShares(_ a: [UInt64], _ b: [UInt64]) -> ([Double], [Double]) {
        func shares(_ counts: [UInt64]) -> [Double] {
            let total = Double(counts.reduce(0, &+)) + 0.5 * Double(counts.count)
            return counts.map { (Double($0) + 0.5) / total }
        }
        return (shares(a), shares(b))
    }
}
