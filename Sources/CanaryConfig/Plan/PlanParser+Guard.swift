import CanaryCore

extension PlanParser {
    static let guardKeys: Set<String> = [
        "name", "metric", "max", "min", "tolerance", "margin", "threshold", "min_samples", "psi_max", "js_max",
        "source", "mixture_sd",
    ]

    static func parseGuard(_ node: ConfigNode) -> Guard? {
        guard let fields = node.mapping(allowed: guardKeys) else { return nil }
        guard let metricNode = fields["metric"] else {
            node.fail("this guard has no metric; use one of \(GuardMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let metric = metricNode.oneOf(GuardMetric.self) else { return nil }
        var g = Guard(name: fields["name"]?.string(), metric: metric)
        let isLatencyQuantile = metric.quantile != nil
        if let n = fields["max"] {
            g.max = isLatencyQuantile ? positiveMs(n) : n.fraction(in: 0...1)
        }
        if let n = fields["min"] { g.min = n.fraction(in: 0...1) }
        if let n = fields["tolerance"] { g.tolerance = n.fraction(in: 0...Double.infinity) }
        if let n = fields["margin"] { g.margin = n.fraction(in: 0...1) ?? 0 }
        if let n = fields["threshold"] { g.thresholdMs = positiveMs(n) }
        if let n = fields["psi_max"] { g.psiMax = n.number(in: 0...Double.infinity) }
        if let n = fields["js_max"] { g.jsMax = n.number(in: 0...Double.infinity) }
        if let n = fields["mixture_sd"] { g.mixtureSD = n.number(in: 0...Double.infinity) ?? g.mixtureSD }
        if let n = fields["min_samples"], let count = n.integer(in: 0...Int64.max) { g.minSamples = UInt64(count) }
        if let source = fields["source"]?.oneOf(DriftSource.self) { g.source = source }

        // Which keys make sense for which metric.
        func reject(_ key: String, _ why: String) {
            fields[key]?.fail("\(key) does not apply to \(metric.rawValue): \(why)")
        }
        switch metric {
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
        if [.errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver, .accuracy].contains(metric),
            fields["max"] == nil, fields["min"] == nil, fields["tolerance"] == nil
        {
            node.fail("guard \(g.name) sets no limit; give it an absolute \(metric == .accuracy ? "min" : "max") and/or a tolerance")
        }
        return g
    }

    /// A latency: a duration, except that a bare number means milliseconds
    /// here (the natural unit of latencies), not seconds.
    static func positiveMs(_ node: ConfigNode) -> Double? {
        guard let text = node.scalar, let ms = DurationText.milliseconds(text) else {
            node.fail("\(node.path) \(node.quoted) is not a latency; write e.g. 250ms or 1.5s")
            return nil
        }
        guard ms > 0 else {
            node.fail("\(node.path) \(node.quoted) must be a positive latency")
            return nil
        }
        if let bare = Double(text.trimmingBlanks()) { return bare }
        return Double(ms)
    }
}
