import CanaryCore

extension PlanParser {
    static let guardKeys: Set<String> = [
        "name", "metric", "max", "min", "tolerance", "margin", "threshold", "min_samples", "psi_max", "js_max",
        "source", "mixture_sd", "of", "reference",
    ]

    static func parseGuard(_ node: ConfigNode) -> Guard? {
        guard let fields = node.mapping(allowed: guardKeys) else { return nil }
        guard let metricNode = fields["metric"] else {
            node.fail("this guard has no metric; use one of \(GuardMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let metric = metricNode.oneOf(GuardMetric.self) else { return nil }
        // baseline_interference compares one of the baseline's metrics: its
        // values and slack have that metric's units.
        let of = metric == .baselineInterference
            ? fields["of"]?.oneOf(Guard.interferenceMetrics.map(\.rawValue), what: "baseline metric").flatMap(GuardMetric.init) : nil
        var g = Guard(name: fields["name"]?.string() ?? of.map { "baseline_interference_\($0.rawValue)" }, metric: metric)
        g.interferenceOf = of
        let isLatencyQuantile = (of ?? metric).quantile != nil
        if let n = fields["max"] {
            g.max = isLatencyQuantile ? latencyMs(n, positive: true) : n.fraction(in: 0...1)
        }
        if let n = fields["min"] { g.min = n.fraction(in: 0...1) }
        if let n = fields["tolerance"] { g.tolerance = n.fraction(in: 0...Double.infinity) }
        // The slack is in the unit of what is compared: a share of requests,
        // or a latency for a quantile (baseline × (1 + tolerance) + margin).
        if let n = fields["margin"] { g.margin = (isLatencyQuantile ? latencyMs(n, positive: false) : n.fraction(in: 0...1)) ?? 0 }
        if let n = fields["threshold"] { g.thresholdMs = latencyMs(n, positive: true) }
        if let n = fields["psi_max"] { g.psiMax = n.number(in: 0...Double.infinity) }
        // Jensen–Shannon divergence in bits never exceeds 1.
        if let n = fields["js_max"] { g.jsMax = n.number(in: 0...1) }
        if let n = fields["mixture_sd"] { g.mixtureSD = n.number(in: 0...Double.infinity) ?? g.mixtureSD }
        if let n = fields["min_samples"], let count = n.integer(in: 0...Int64.max) { g.minSamples = UInt64(count) }
        if let source = fields["source"]?.oneOf(DriftSource.self) { g.source = source }
        if let n = fields["reference"], hasUnit(n), let ms = n.durationMs(in: 1...Int64.max) {
            if ms > Guard.maxReferenceMs {
                n.fail("reference \(n.quoted) is longer than \(BaselineReference.text(Guard.maxReferenceMs)), what the coordinator keeps of each version's windows")
            }
            g.referenceMs = ms
        }

        // Which keys make sense for which metric.
        func reject(_ key: String, _ why: String) {
            fields[key]?.fail("\(key) does not apply to \(metric.rawValue): \(why)")
        }
        if metric != .baselineInterference {
            reject("of", "only baseline_interference watches another metric")
            reject("reference", "only baseline_interference compares with the period before the rollout")
        }
        switch metric {
        case .baselineInterference:
            for key in ["max", "min"] { reject(key, "it compares the baseline with itself before the rollout; give a tolerance") }
            for key in ["psi_max", "js_max", "source"] { reject(key, "drift settings belong to prediction_drift") }
            if fields["of"] == nil {
                node.fail("baseline_interference needs of: the baseline metric it watches, one of \(Guard.interferenceMetrics.map(\.rawValue).joined(separator: ", "))")
            }
            if fields["tolerance"] == nil {
                node.fail("baseline_interference needs a tolerance: how much worse than before the rollout the baseline may get (e.g. tolerance: 20%)")
            }
            if of == .latencyOver, fields["threshold"] == nil { node.fail("baseline_interference of latency_over needs a threshold (e.g. threshold: 250ms)") }
            if let of, of != .latencyOver { reject("threshold", "only latency_over takes a threshold, this one watches \(of.rawValue)") }
        case .errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver:
            reject("min", "it limits from above, use max")
            reject("psi_max", "drift thresholds belong to prediction_drift")
            reject("js_max", "drift thresholds belong to prediction_drift")
            if metric == .latencyOver, g.thresholdMs == nil, fields["threshold"] == nil {
                node.fail("latency_over needs a threshold (e.g. threshold: 250ms)")
            }
            if metric != .latencyOver { reject("threshold", "only latency_over takes a threshold") }
        case .accuracy:
            reject("max", "accuracy limits from below, use min")
            reject("threshold", "only latency_over takes a threshold")
            reject("margin", "its tolerance is already an absolute drop in points (tolerance: 1% allows one point)")
        case .predictionDrift:
            for key in ["max", "min", "tolerance", "threshold", "margin"] { reject(key, "use psi_max and/or js_max") }
            if g.psiMax == nil, g.jsMax == nil, fields["psi_max"] == nil, fields["js_max"] == nil {
                node.fail("prediction_drift needs psi_max and/or js_max")
            }
        case .ringLoss:
            for key in ["min", "tolerance", "threshold", "psi_max", "js_max", "margin"] {
                reject(key, "ring loss has only an absolute max")
            }
            if g.max == nil, fields["max"] == nil { node.fail("ring_loss needs a max share (e.g. max: 1%)") }
        }
        if fields["margin"] != nil, fields["tolerance"] == nil, ![.accuracy, .predictionDrift, .ringLoss].contains(metric) {
            fields["margin"]?.fail("margin is the absolute slack of the comparison with the baseline, which needs a tolerance (e.g. tolerance: 20%)")
        }
        if [.errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver, .accuracy].contains(metric),
            fields["max"] == nil, fields["min"] == nil, fields["tolerance"] == nil
        {
            node.fail("guard \(g.name) sets no limit; give it an absolute \(metric == .accuracy ? "min" : "max") and/or a tolerance")
        }
        return g
    }

    /// A latency with its unit, in ms (fractions kept: `0.2ms` and `200us`
    /// are the slack a sub-millisecond model needs; histograms resolve µs).
    static func latencyMs(_ node: ConfigNode, positive: Bool) -> Double? {
        guard hasUnit(node) else { return nil }
        guard let text = node.scalar?.trimmingBlanks(), let ms = latencyText(text) else {
            node.fail("\(node.path) \(node.quoted) is not a latency; write e.g. 250ms, 1.5s or 200us")
            return nil
        }
        guard ms > 0 || (!positive && ms == 0) else {
            node.fail("\(node.path) \(node.quoted) must be a \(positive ? "positive" : "zero or positive") latency")
            return nil
        }
        return ms
    }

    static func latencyText(_ text: String) -> Double? {
        if text == "0" { return 0 }
        let units: [(String, Double)] = [("us", 0.001), ("µs", 0.001), ("ms", 1), ("s", 1_000)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let value = Double(String(text.dropLast(suffix.count)).trimmingBlanks()), value.isFinite,
                abs(value * scale) < 3.2e12 else { return nil }
            return value * scale
        }
        return nil
    }
}
