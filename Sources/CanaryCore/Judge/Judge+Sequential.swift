import Foundation

/// The relative guards' arithmetic: one contrast per time stratum, combined
/// (``StratifiedContrast``), tested (``MixtureSPRT``) and bounded both ways.
extension Judge {
    /// What a relative guard's sequential evidence says now.
    struct Sequential {
        var difference: Double
        var standardError: Double
        var eValue: Double
        /// Anytime-valid bounds on θ at the plan's promote confidence.
        var lower: Double
        var upper: Double
        var strata: Int
        /// θ's CMH weight so far and the weight a new canary sample adds at
        /// the current split, for "needs ~N more".
        var weight: Double
        var variance: Double
    }

    /// Guard `index`'s contrast in one stratum (the arms' windows over the
    /// same period), or nil if an arm has nothing to compare there.
    func stratumContrast(_ g: Guard, baseline: Window, canary: Window) -> StratumContrast? {
        switch g.metric {
        case .errorRate:
            return shareContrast(g, canary: (canary.modelErrors, canary.requestCount), baseline: (baseline.modelErrors, baseline.requestCount))
        case .latencyOver:
            let micros = Self.micros((g.thresholdMs ?? 0) * 1000)
            return shareContrast(g, canary: (canary.latency.countAbove(micros: micros), canary.latency.totalCount),
                                 baseline: (baseline.latency.countAbove(micros: micros), baseline.latency.totalCount))
        case .latencyP50, .latencyP95, .latencyP99:
            return quantileContrast(g, baseline: baseline, canary: canary)
        case .accuracy:
            guard let drop = g.tolerance else { return nil }
            let nC = canary.labeledCount, nB = baseline.labeledCount
            return MixtureSPRT.binomialContrast(
                canaryEvents: nC - min(nC, canary.correctCount), canaryTotal: nC,
                baselineEvents: nB - min(nB, baseline.correctCount), baselineTotal: nB, scale: 1, offset: drop)
        case .predictionDrift, .ringLoss, .baselineInterference:
            // Interference is the baseline against its own past, not a comparison of arms.
            return nil
        }
    }

    func shareContrast(_ g: Guard, canary: (UInt64, UInt64), baseline: (UInt64, UInt64)) -> StratumContrast? {
        guard let tolerance = g.tolerance else { return nil }
        return MixtureSPRT.binomialContrast(
            canaryEvents: canary.0, canaryTotal: canary.1, baselineEvents: baseline.0, baselineTotal: baseline.1,
            scale: 1 + tolerance, offset: g.margin)
    }

    /// The share of canary requests above T = (1 + tolerance) × the stratum
    /// baseline's q-quantile + margin, against its nominal 1 − q (see
    /// `quantileGuard`). The nominal is the exact expectation for a quantile
    /// read from n_b samples: the k-th order statistic (k = ⌈q·n_b⌉) leaves
    /// (n_b + 1 − k)/(n_b + 1) of the distribution above it on average —
    /// 1.1 % rather than 1 % for a p99 of 1 000 samples — which matters once
    /// strata are short.
    func quantileContrast(_ g: Guard, baseline: Window, canary: Window) -> StratumContrast? {
        guard let tolerance = g.tolerance else { return nil }
        let q = g.metric.quantile ?? 0.99
        let nB = baseline.latency.totalCount
        guard nB > 0 else { return nil }
        let rank = (q * Double(nB)).rounded(.up)
        let nominal = min(1, max(0, (Double(nB) + 1 - rank) / (Double(nB) + 1)))
        let thresholdMicros = Self.micros((Double(baseline.latency.quantile(q)) * (1 + tolerance) + g.margin * 1000).rounded())
        return MixtureSPRT.contrast(
            canaryEvents: canary.latency.countAbove(micros: thresholdMicros), canaryTotal: canary.latency.totalCount,
            baselineShare: nominal, baselineVariance: nominal * (1 - nominal), baselineTotal: nB, scale: 1, offset: 0)
    }

    /// Guard `index`'s stratified evidence: the closed strata the machine
    /// kept plus the open one (or, for an input without strata, everything
    /// since the start as one stratum).
    func sequential(_ g: Guard, _ input: JudgeInput) -> Sequential? {
        let index = plan.guards.firstIndex(of: g)
        let closed = index.flatMap { input.closedStrata?.indices.contains($0) == true ? input.closedStrata?[$0] : nil }
        let open: StratumContrast?
        if input.closedStrata == nil {
            open = stratumContrast(g, baseline: input.baseline, canary: input.canary)
        } else if let b = input.openBaseline, let c = input.openCanary {
            open = stratumContrast(g, baseline: b, canary: c)
        } else {
            open = nil
        }
        let combined = (closed ?? StratifiedContrast()).adding(open)
        guard let theta = combined.difference, let variance = combined.variance, variance > 0 else { return nil }
        let radius = MixtureSPRT.confidenceRadius(variance: variance, tau: g.mixtureSD, level: plan.evidencePolicy.confidence)
        return Sequential(
            difference: theta, standardError: variance.squareRoot(),
            eValue: MixtureSPRT.eValue(difference: theta, variance: variance, tau: g.mixtureSD),
            lower: theta - radius, upper: theta + radius, strata: combined.strata, weight: combined.weight, variance: variance)
    }

    /// How many more canary samples (requests, or labels) at the current
    /// split would bring the upper bound below 0 if θ̂ stayed where it is:
    /// the variance shrinks like 1 / Σw, and a canary sample adds about
    /// (1 − s) to Σw at canary share s of the compared arms. nil when θ̂ is
    /// not below 0 (more data would not show it within tolerance unless
    /// the estimate moves) or the split has no concurrent baseline.
    func moreSamplesNeeded(_ s: Sequential, tau: Double, canaryShare: Double) -> UInt64? {
        guard s.difference < 0, canaryShare < 1, s.weight > 0 else { return nil }
        let level = plan.evidencePolicy.confidence
        let goal = -s.difference
        var low = 0.0, high = s.variance
        guard MixtureSPRT.confidenceRadius(variance: high, tau: tau, level: level) > goal else { return 0 }
        for _ in 0..<50 {
            let mid = (low + high) / 2
            if MixtureSPRT.confidenceRadius(variance: mid, tau: tau, level: level) > goal { high = mid } else { low = mid }
        }
        guard low > 0 else { return nil }
        let neededWeight = s.weight * s.variance / low
        let perSample = 1 - max(0, canaryShare)
        return UInt64(((neededWeight - s.weight) / perSample).rounded(.up))
    }

    /// θ's bounds in the guard's own terms, e.g. "error rate: canary −
    /// baseline −0.12 … +0.35 points vs allowed +0.20 points".
    func intervalText(_ g: Guard, _ s: Sequential, baselineShare: Double) -> String {
        let level = "\(Format.number(plan.evidencePolicy.confidence * 100)) %"
        func points(_ x: Double) -> String { (x >= 0 ? "+" : "−") + Format.number(abs(x) * 100) }
        switch g.metric {
        case .errorRate, .latencyOver:
            let allowed = (g.tolerance ?? 0) * baselineShare + g.margin
            let what = g.metric == .errorRate ? "error rate" : "share over \(Format.ms(g.thresholdMs ?? 0))"
            return "\(what): canary − baseline \(points(s.lower + allowed)) … \(points(s.upper + allowed)) points vs allowed \(points(allowed)) points (\(level))"
        case .accuracy:
            let drop = g.tolerance ?? 0
            return "accuracy: canary \(points(s.lower + drop)) … \(points(s.upper + drop)) points below baseline vs tolerance \(Format.number(drop * 100)) points (\(level))"
        default:
            let label = "p\(Int(((g.metric.quantile ?? 0.99) * 100).rounded()))"
            return "\(label): canary share above the allowed \(label) minus its nominal \(points(s.lower)) … \(points(s.upper)) points vs 0 (\(level))"
        }
    }
}
