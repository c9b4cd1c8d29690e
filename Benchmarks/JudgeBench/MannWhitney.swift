import Foundation

/// The Kayenta-style reference: a two-sided Mann–Whitney U test (normal
/// approximation with tie correction) at 98 % confidence per metric.
enum MannWhitney {
    /// The z statistic of "a tends to be larger than b", or nil if undefined.
    static func z(_ a: [Double], _ b: [Double]) -> Double? {
        let n1 = Double(a.count)
        let n2 = Double(b.count)
        guard a.count >= 3, b.count >= 3 else { return nil }
        let all = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var rankSumA = 0.0
        var tieTerm = 0.0
        var i = 0
        while i < all.count {
            var j = i
            while j + 1 < all.count, all[j + 1].0 == all[i].0 { j += 1 }
            let rank = Double(i + j) / 2 + 1
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            for k in i...j where all[k].1 == 0 { rankSumA += rank }
            i = j + 1
        }
        let u = rankSumA - n1 * (n1 + 1) / 2
        let n = n1 + n2
        let variance = n1 * n2 / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return nil }
        return (u - n1 * n2 / 2) / variance.squareRoot()
    }

    /// Two-sided at 98 %: |z| > 2.326, counted only when the canary is worse.
    static let critical = 2.326

    struct Judge {
        var baseline: [WindowPoint] = []
        var canary: [WindowPoint] = []

        /// True when any metric is significantly worse in the canary.
        func fails() -> Bool {
            let higherWorse: [(WindowPoint) -> Double] = [{ $0.errorRate }, { $0.p99Ms }]
            for metric in higherWorse {
                if let z = MannWhitney.z(canary.map(metric), baseline.map(metric)), z > critical { return true }
            }
            let labeled = { (points: [WindowPoint]) in points.map(\.accuracy).filter { !$0.isNaN } }
            if let z = MannWhitney.z(labeled(canary), labeled(baseline)), z < -critical { return true }
            return false
        }
    }
}
