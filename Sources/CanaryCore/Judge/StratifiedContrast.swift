/// One time stratum's estimate of a relative guard's contrast θ (canary's
/// excess over what the tolerance allows, see ``MixtureSPRT``).
public struct StratumContrast: Sendable, Equatable, Hashable, Codable {
    public var difference: Double
    public var variance: Double
    public var canaryTotal: UInt64
    public var baselineTotal: UInt64

    public init(difference: Double, variance: Double, canaryTotal: UInt64, baselineTotal: UInt64) {
        self.difference = difference
        self.variance = variance
        self.canaryTotal = canaryTotal
        self.baselineTotal = baselineTotal
    }

    /// The Cochran–Mantel–Haenszel weight n_c·n_b / (n_c + n_b): it depends
    /// on the counts only (never on the outcomes), is largest where both arms
    /// were served together, and with a constant split makes the stratified
    /// estimate equal the pooled one.
    public var weight: Double {
        let c = Double(canaryTotal), b = Double(baselineTotal)
        return c + b > 0 ? c * b / (c + b) : 0
    }
}

/// A relative guard's contrast summed over time strata — stretches of the
/// rollout with one traffic split — so both arms are compared only with
/// data from the same periods.
///
/// Pooling counts since the start compares a canary whose traffic is
/// concentrated late (the split grows) with a baseline whose traffic is
/// mostly early: any change over time that hits both versions (an upstream
/// outage, a daily latency swing, a shift in the label mix) would then look
/// like a canary regression (Simpson's paradox). Within a stratum both arms
/// see the same periods in the same proportion, so such a change moves
/// each stratum's θ̂_s on both sides alike, not the contrast.
///
/// θ̂ = Σ w_s θ̂_s / Σ w_s with V = Σ w_s² V_s / (Σ w_s)²: under the null every
/// θ_s ≤ 0, so θ ≤ 0, and θ̂ is again an approximately normal estimate whose
/// information grows with every stratum — the mixture SPRT and its confidence
/// sequence apply to it unchanged, looked at after every window.
public struct StratifiedContrast: Sendable, Equatable, Hashable, Codable {
    public private(set) var weight: Double = 0
    public private(set) var weightedDifference: Double = 0
    public private(set) var weightedVariance: Double = 0
    public private(set) var strata: Int = 0
    public private(set) var canaryTotal: UInt64 = 0
    public private(set) var baselineTotal: UInt64 = 0

    public init() {}

    public mutating func add(_ stratum: StratumContrast) {
        let w = stratum.weight
        guard w > 0, stratum.difference.isFinite, stratum.variance.isFinite else { return }
        weight += w
        weightedDifference += w * stratum.difference
        weightedVariance += w * w * stratum.variance
        strata += 1
        canaryTotal &+= stratum.canaryTotal
        baselineTotal &+= stratum.baselineTotal
    }

    public func adding(_ stratum: StratumContrast?) -> StratifiedContrast {
        var copy = self
        if let stratum { copy.add(stratum) }
        return copy
    }

    /// θ̂, nil before any stratum with both arms.
    public var difference: Double? { weight > 0 ? weightedDifference / weight : nil }
    /// V of θ̂.
    public var variance: Double? { weight > 0 ? weightedVariance / (weight * weight) : nil }
}
