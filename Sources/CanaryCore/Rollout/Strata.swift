/// The time strata of a rollout's relative guards (``StratifiedContrast``):
/// the stratum still open holds both arms' windows merged since it began;
/// closed strata survive only as each guard's sums, so memory and judging
/// cost do not grow with the rollout's length.
///
/// A stratum ends wherever the split changes (a step, an operator's weight)
/// and otherwise after `stratum` on the machine's clock, once its baseline
/// holds enough requests to place the plan's highest latency quantile
/// (10 / (1 − q): 1 000 for a p99), so a short stratum never judges a
/// quantile from a handful of requests.
struct Strata: Sendable, Equatable, Codable {
    var openedAtMs: Int64
    var baseline: Window?
    var canary: Window?
    /// By guard index into the plan's guards.
    var closed: [StratifiedContrast]

    init(openedAtMs: Int64, guards: Int) {
        self.openedAtMs = openedAtMs
        closed = Array(repeating: StratifiedContrast(), count: guards)
    }

    /// Merges `window` into its arm of the open stratum; a window that
    /// cannot merge is refused by the arm's cumulative data first.
    mutating func add(_ window: Window, isCanary: Bool) {
        if isCanary {
            canary = (try? canary?.merged(with: window)) ?? canary ?? window
        } else {
            baseline = (try? baseline?.merged(with: window)) ?? baseline ?? window
        }
    }

    /// Ends the open stratum: each relative guard keeps its contrast.
    mutating func close(at now: Int64, judge: Judge) {
        if let b = baseline, let c = canary {
            for (i, g) in judge.plan.guards.enumerated() where g.isRelative && closed.indices.contains(i) {
                if let contrast = judge.stratumContrast(g, baseline: b, canary: c) { closed[i].add(contrast) }
            }
        }
        openedAtMs = now
        baseline = nil
        canary = nil
    }

    /// Whether the open stratum has run its length with enough baseline
    /// requests (or the split leaves the baseline none).
    func isDue(at now: Int64, plan: RolloutPlan, baselineHasTraffic: Bool) -> Bool {
        guard now - openedAtMs >= plan.evidencePolicy.stratumMs else { return false }
        guard baselineHasTraffic else { return true }
        return (baseline?.latency.totalCount ?? 0) >= Self.minimumBaseline(plan)
    }

    static func minimumBaseline(_ plan: RolloutPlan) -> UInt64 {
        let quantiles = plan.guards.filter(\.isRelative).compactMap(\.metric.quantile)
        guard let q = quantiles.max(), q < 1 else { return 0 }
        return UInt64((10 / (1 - q)).rounded(.up))
    }
}
