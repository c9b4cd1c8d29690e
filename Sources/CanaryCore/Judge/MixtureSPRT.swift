import Foundation

/// The mixture sequential probability ratio test for a difference of shares
/// (Johari, Pekelis & Walsh 2015, "Always valid inference"), one-sided.
///
/// The tested contrast is θ = p_c − a·p_b − c, where p_c and p_b are the
/// canary's and baseline's "bad" shares (errors, requests over a latency
/// threshold, wrong predictions), `a` and `c` encode the tolerance, and the
/// null hypothesis is θ ≤ 0 ("the canary is no worse than allowed").
///
/// With the estimate θ̂ approximately N(θ, V), V = v_c/n_c + a²·v_b/n_b, the
/// likelihood ratio of θ against 0, mixed over a half-normal prior θ ~ N⁺(0,
/// τ²), has the closed form
///
///     Λ = 2 Φ(θ̂τ / √(V(V+τ²))) · √(V/(V+τ²)) · exp(θ̂²τ² / (2V(V+τ²)))
///
/// Λ is a nonnegative (super)martingale under every θ ≤ 0 (the prior puts no
/// mass on the null side), so by Ville's inequality P(sup_t Λ_t ≥ 1/α) ≤ α:
/// the test may be checked after every window, forever, and still
/// false-alarms with probability at most α. Compared with the two-sided
/// mixture the half-normal prior doubles the evidence for a regression,
/// which buys about a second of detection at 1 000 req/s.
///
/// Why this test and not a count e-process: the guards compare shares of two
/// arms of very different sizes (0.1 %–50 % canary) with a tolerance; the
/// normal mixture handles the linear contrast directly and needs only counts,
/// which is exactly what merged windows carry.
///
/// Variance: the canary's term is evaluated at the null boundary
/// (p_c = a·p̂_b + c, the score-test form), not at the canary's own estimate
/// (the Wald form). Λ has to be a martingale under the null, so the null's
/// variance is the one that matters; the Wald form inflates V exactly when
/// the canary is bad and costs seconds of detection (a 0.5 % → 5 % error jump
/// at 100 canary req/s: about 2 s sooner). The baseline's share is smoothed
/// as (x + ½)/(n + 1) so an arm with no events yet does not claim zero
/// variance. The A/A rows of `judge-bench` check the resulting false-rollback
/// rate under continuous monitoring.
public enum MixtureSPRT {
    public struct Result: Sendable, Equatable {
        /// θ̂ = p̂_c − a·p̂_b − c.
        public var difference: Double
        /// √V, the standard error of θ̂.
        public var standardError: Double
        /// Λ, capped at `maxEValue` so it stays JSON-encodable.
        public var eValue: Double
    }

    public static let maxEValue = 1e12

    /// - Parameters:
    ///   - canaryEvents/canaryTotal: bad events and trials in the canary.
    ///   - baselineShare/baselineVariance/baselineTotal: the baseline's share
    ///     and its per-trial variance (p(1−p) for a binomial share).
    ///   - scale: `a`; offset: `c`; tau: mixture standard deviation τ.
    public static func test(
        canaryEvents: UInt64, canaryTotal: UInt64, baselineShare: Double, baselineVariance: Double,
        baselineTotal: UInt64, scale: Double, offset: Double, tau: Double
    ) -> Result {
        guard tau > 0, let c = contrast(
            canaryEvents: canaryEvents, canaryTotal: canaryTotal, baselineShare: baselineShare,
            baselineVariance: baselineVariance, baselineTotal: baselineTotal, scale: scale, offset: offset)
        else {
            return Result(difference: 0, standardError: .infinity.nextDown, eValue: 1)
        }
        return Result(difference: c.difference, standardError: c.variance.squareRoot(),
                      eValue: eValue(difference: c.difference, variance: c.variance, tau: tau))
    }

    /// θ̂ and its variance V under the null boundary, for one comparison (one
    /// time stratum, or everything pooled); nil when an arm has no trials.
    public static func contrast(
        canaryEvents: UInt64, canaryTotal: UInt64, baselineShare: Double, baselineVariance: Double,
        baselineTotal: UInt64, scale: Double, offset: Double
    ) -> StratumContrast? {
        guard canaryTotal > 0, baselineTotal > 0 else { return nil }
        let nC = Double(canaryTotal)
        let nB = Double(baselineTotal)
        let pC = Double(canaryEvents) / nC
        // The canary's share under the null boundary θ = 0.
        let nullShare = min(1 - 0.5 / (nC + 1), max(0.5 / (nC + 1), scale * baselineShare + offset))
        let variance = nullShare * (1 - nullShare) / nC + scale * scale * baselineVariance / nB
        return StratumContrast(difference: pC - scale * baselineShare - offset, variance: variance,
                               canaryTotal: canaryTotal, baselineTotal: baselineTotal)
    }

    /// Λ for an estimate `difference` of variance `variance` (the closed form
    /// above), capped at `maxEValue`.
    public static func eValue(difference theta: Double, variance: Double, tau: Double) -> Double {
        guard variance > 0, variance.isFinite, tau > 0 else { return 1 }
        let tau2 = tau * tau
        let logE = log(2) + log(normalCDF(theta * tau / (variance * (variance + tau2)).squareRoot()))
            + 0.5 * log(variance / (variance + tau2)) + theta * theta * tau2 / (2 * variance * (variance + tau2))
        return logE >= log(maxEValue) ? maxEValue : exp(logE)
    }

    /// The radius d of the anytime-valid one-sided confidence bounds θ̂ ± d at
    /// `level` (e.g. 0.99): the same half-normal mixture, aimed at the other
    /// side. For the upper bound, the test of "θ ≥ θ̂ + d" against smaller θ
    /// is Λ evaluated at d; the bound is where that reaches 1 / (1 − level),
    /// so P(θ ever exceeds the upper bound) ≤ 1 − level by Ville's inequality.
    /// This is the duality of the sequential test: the guard fails exactly
    /// when the lower bound at level 1 − 1/threshold is above 0.
    public static func confidenceRadius(variance: Double, tau: Double, level: Double) -> Double {
        guard variance > 0, variance.isFinite, tau > 0, level > 0, level < 1 else { return .infinity }
        let target = 1 / (1 - level)
        var low = 0.0
        var high = variance.squareRoot()
        while eValue(difference: high, variance: variance, tau: tau) < target {
            high *= 2
            if !high.isFinite { return .infinity }
        }
        for _ in 0..<60 {
            let mid = (low + high) / 2
            if eValue(difference: mid, variance: variance, tau: tau) < target { low = mid } else { high = mid }
        }
        return high
    }

    /// A binomial share against another binomial share.
    public static func test(
        canaryEvents: UInt64, canaryTotal: UInt64, baselineEvents: UInt64, baselineTotal: UInt64, scale: Double,
        offset: Double, tau: Double
    ) -> Result {
        let nB = Double(max(1, baselineTotal))
        let smoothedB = (Double(baselineEvents) + 0.5) / (nB + 1)
        return test(
            canaryEvents: canaryEvents, canaryTotal: canaryTotal, baselineShare: Double(baselineEvents) / nB,
            baselineVariance: smoothedB * (1 - smoothedB), baselineTotal: baselineTotal, scale: scale, offset: offset,
            tau: tau)
    }

    /// `contrast` for a binomial share against another binomial share.
    public static func binomialContrast(
        canaryEvents: UInt64, canaryTotal: UInt64, baselineEvents: UInt64, baselineTotal: UInt64, scale: Double, offset: Double
    ) -> StratumContrast? {
        let nB = Double(max(1, baselineTotal))
        let smoothedB = (Double(baselineEvents) + 0.5) / (nB + 1)
        return contrast(
            canaryEvents: canaryEvents, canaryTotal: canaryTotal, baselineShare: Double(baselineEvents) / nB,
            baselineVariance: smoothedB * (1 - smoothedB), baselineTotal: baselineTotal, scale: scale, offset: offset)
    }

    static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }
}
