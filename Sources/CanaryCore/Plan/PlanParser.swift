import Yams

extension RolloutPlan {
    /// Parses and validates a YAML plan. `file` only names the source in
    /// errors. Every problem found is reported (not just the first), each with
    /// its line and a sentence saying what is wrong.
    public static func parse(yaml: String, file: String = "plan.yaml") throws(PlanError) -> RolloutPlan {
        var parser = PlanParser(file: file)
        let plan = parser.parse(yaml)
        if let plan, parser.issues.isEmpty { return plan }
        // In file order, whatever order the checks ran in.
        let sorted = parser.issues.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
        throw PlanError(issues: sorted.isEmpty
            ? [PlanIssue(file: file, line: 0, message: "the plan could not be read")] : sorted)
    }
}

/// Walks the Yams node tree so every error can carry its node's line.
struct PlanParser {
    let file: String
    var issues: [PlanIssue] = []

    static let topKeys: Set<String> = [
        "name", "model", "baseline", "canary", "steps", "bake", "analysis_window", "alpha", "pause_before",
        "on_breach", "progress_deadline", "stale_after", "guards",
    ]
    static let bakeKeys: Set<String> = ["min_duration", "min_samples_per_arm"]
    static let guardKeys: Set<String> = [
        "name", "metric", "max", "min", "tolerance", "margin", "threshold", "min_samples", "psi_max", "js_max",
        "source", "mixture_sd",
    ]

    init(file: String) {
        self.file = file
    }

    mutating func fail(_ node: Node?, _ message: String) {
        issues.append(PlanIssue(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message))
    }

    mutating func parse(_ yaml: String) -> RolloutPlan? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            issues.append(yamlIssue(error))
            return nil
        } catch {
            issues.append(PlanIssue(file: file, line: 0, message: "the plan is not valid YAML: \(error)"))
            return nil
        }
        guard let root, let mapping = root.mapping else {
            fail(root, "the plan must be a mapping of keys such as model, baseline, canary, steps and guards")
            return nil
        }
        let fields = checkedKeys(mapping, allowed: Self.topKeys, context: "plan")

        let model = requiredString(fields, "model", at: root)
        let baseline = requiredString(fields, "baseline", at: root)
        let canary = requiredString(fields, "canary", at: root)
        if let baseline, let canary, baseline == canary {
            fail(fields["canary"], "canary and baseline must be different versions, both are \"\(canary)\"")
        }
        let steps = parseSteps(fields["steps"], at: root)
        let bake = parseBake(fields["bake"])
        let analysisWindow = duration(fields["analysis_window"], "analysis_window", default: 60_000, positive: true)
        let staleAfter = duration(fields["stale_after"], "stale_after", default: 5_000, positive: true)
        var deadline: Int64?
        if let node = fields["progress_deadline"] {
            deadline = duration(node, "progress_deadline", default: 0, positive: true)
        }
        var alpha = 0.01
        if let node = fields["alpha"] {
            if let value = node.scalarString.flatMap(PlanValues.fraction), value > 0, value < 1 {
                alpha = value
            } else {
                fail(node, "alpha must be a probability strictly between 0 and 1 (e.g. 0.01), got \(node.quoted)")
            }
        }
        var onBreach = BreachAction.rollback
        if let node = fields["on_breach"] {
            if let action = node.scalarString.flatMap(BreachAction.init(rawValue:)) {
                onBreach = action
            } else {
                fail(node, "on_breach must be rollback or pause, got \(node.quoted)")
            }
        }
        var pauseBefore: [UInt32] = []
        if let node = fields["pause_before"] {
            for item in sequence(node, "pause_before") {
                guard let ppm = weight(item, "pause_before") else { continue }
                if !steps.contains(ppm) {
                    fail(item, "pause_before \(item.quoted) is not one of the steps")
                }
                pauseBefore.append(ppm)
            }
        }
        var guards: [Guard] = []
        if let node = fields["guards"] {
            for item in sequence(node, "guards") {
                if let parsed = parseGuard(item) { guards.append(parsed) }
            }
            var seen: Set<String> = []
            for (g, item) in zip(guards, node.array()) where !seen.insert(g.name).inserted {
                fail(item, "guard name \"\(g.name)\" is used twice; give one of them a distinct name")
            }
        } else {
            fail(root, "the plan has no guards; add at least one (e.g. error_rate) so a bad canary can be rolled back")
        }

        guard let model, let baseline, let canary, let bake, issues.isEmpty else { return nil }
        let plan = RolloutPlan(
            name: fields["name"]?.scalarString, model: model, baseline: baseline, canary: canary, stepsPPM: steps,
            bake: bake, analysisWindowMs: analysisWindow, alpha: alpha, pauseBeforePPM: pauseBefore,
            onBreach: onBreach, progressDeadlineMs: deadline, staleAfterMs: staleAfter, guards: guards)
        // Anything the node-level checks missed, reported without a line.
        do {
            try plan.validate(file: file)
        } catch {
            issues += error.issues
            return nil
        }
        return plan
    }

    // MARK: Sections

    mutating func parseSteps(_ node: Node?, at root: Node) -> [UInt32] {
        guard let node else {
            fail(root, "the plan has no steps; list canary weights such as [1%, 10%, 50%, 100%]")
            return []
        }
        var steps: [UInt32] = []
        for item in sequence(node, "steps") {
            guard let ppm = weight(item, "step") else { continue }
            if let last = steps.last, ppm <= last {
                fail(item, "steps must increase: \(item.quoted) does not exceed the previous step \(Self.percent(last))")
            }
            steps.append(ppm)
        }
        if steps.isEmpty, node.sequence != nil {
            fail(node, "steps is empty; list at least one canary weight")
        }
        return steps
    }

    mutating func parseBake(_ node: Node?) -> Bake? {
        guard let node else { return Bake(minDurationMs: 60_000, minSamplesPerArm: 1_000) }
        guard let mapping = node.mapping else {
            fail(node, "bake must be a mapping with min_duration and min_samples_per_arm")
            return nil
        }
        let fields = checkedKeys(mapping, allowed: Self.bakeKeys, context: "bake")
        let minDuration = duration(fields["min_duration"], "bake.min_duration", default: 60_000, positive: false)
        let minSamples = count(fields["min_samples_per_arm"], "bake.min_samples_per_arm", default: 1_000)
        return Bake(minDurationMs: minDuration, minSamplesPerArm: minSamples)
    }

    mutating func parseGuard(_ node: Node) -> Guard? {
        guard let mapping = node.mapping else {
            fail(node, "each guard must be a mapping with at least a metric")
            return nil
        }
        let fields = checkedKeys(mapping, allowed: Self.guardKeys, context: "guard")
        guard let metricNode = fields["metric"] else {
            fail(node, "this guard has no metric; use one of \(GuardMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        guard let metric = metricNode.scalarString.flatMap(GuardMetric.init(rawValue:)) else {
            fail(metricNode, "unknown metric \(metricNode.quoted); use one of \(GuardMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        var g = Guard(name: fields["name"]?.scalarString, metric: metric)
        let isLatencyQuantile = metric.quantile != nil
        if let n = fields["max"] {
            g.max = isLatencyQuantile ? positiveMs(n, "max") : share(n, "max")
        }
        if let n = fields["min"] { g.min = share(n, "min") }
        if let n = fields["tolerance"] { g.tolerance = share(n, "tolerance", allowAboveOne: true) }
        if let n = fields["margin"] { g.margin = share(n, "margin") ?? 0 }
        if let n = fields["threshold"] { g.thresholdMs = positiveMs(n, "threshold") }
        if let n = fields["psi_max"] { g.psiMax = nonNegative(n, "psi_max") }
        if let n = fields["js_max"] { g.jsMax = nonNegative(n, "js_max") }
        if let n = fields["mixture_sd"] { g.mixtureSD = nonNegative(n, "mixture_sd") ?? g.mixtureSD }
        g.minSamples = count(fields["min_samples"], "min_samples", default: g.minSamples)
        if let n = fields["source"] {
            if let source = n.scalarString.flatMap(DriftSource.init(rawValue:)) {
                g.source = source
            } else {
                fail(n, "source must be classes or scores, got \(n.quoted)")
            }
        }

        // Which keys make sense for which metric.
        func reject(_ key: String, _ why: String) {
            if let n = fields[key] { fail(n, "\(key) does not apply to \(metric.rawValue): \(why)") }
        }
        switch metric {
        case .errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver:
            reject("min", "it limits from above, use max")
            reject("psi_max", "drift thresholds belong to prediction_drift")
            reject("js_max", "drift thresholds belong to prediction_drift")
            if metric == .latencyOver, g.thresholdMs == nil, fields["threshold"] == nil {
                fail(node, "latency_over needs a threshold (e.g. threshold: 250ms)")
            }
            if metric != .latencyOver { reject("threshold", "only latency_over takes a threshold") }
        case .accuracy:
            reject("max", "accuracy limits from below, use min")
            reject("threshold", "only latency_over takes a threshold")
        case .predictionDrift:
            for key in ["max", "min", "tolerance", "threshold", "margin"] { reject(key, "use psi_max and/or js_max") }
            if g.psiMax == nil, g.jsMax == nil, fields["psi_max"] == nil, fields["js_max"] == nil {
                fail(node, "prediction_drift needs psi_max and/or js_max")
            }
        case .ringLoss:
            for key in ["min", "tolerance", "threshold", "psi_max", "js_max", "margin"] {
                reject(key, "ring loss has only an absolute max")
            }
            if g.max == nil, fields["max"] == nil { fail(node, "ring_loss needs a max share (e.g. max: 1%)") }
        }
        if [.errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver, .accuracy].contains(metric),
            fields["max"] == nil, fields["min"] == nil, fields["tolerance"] == nil
        {
            fail(node, "guard \(g.name) sets no limit; give it an absolute \(metric == .accuracy ? "min" : "max") and/or a tolerance")
        }
        return g
    }

    // MARK: Scalars

    mutating func checkedKeys(_ mapping: Node.Mapping, allowed: Set<String>, context: String) -> [String: Node] {
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.scalarString else {
                fail(key, "\(context) keys must be plain strings")
                continue
            }
            if !allowed.contains(name) {
                fail(key, "unknown key \"\(name)\" in \(context); allowed: \(allowed.sorted().joined(separator: ", "))")
            } else if fields[name] != nil {
                fail(key, "key \"\(name)\" appears twice in \(context)")
            } else {
                fields[name] = value
            }
        }
        return fields
    }

    mutating func requiredString(_ fields: [String: Node], _ key: String, at root: Node) -> String? {
        guard let node = fields[key] else {
            fail(root, "the plan has no \(key)")
            return nil
        }
        guard let value = node.scalarString, !value.isEmpty else {
            fail(node, "\(key) must be a non-empty string")
            return nil
        }
        return value
    }

    mutating func sequence(_ node: Node, _ key: String) -> [Node] {
        guard node.sequence != nil else {
            fail(node, "\(key) must be a list")
            return []
        }
        return node.array()
    }

    mutating func weight(_ node: Node, _ what: String) -> UInt32? {
        guard let text = node.scalarString, let fraction = PlanValues.fraction(text) else {
            fail(node, "\(what) \(node.quoted) is not a weight; write a percentage such as 5% or 0.1%")
            return nil
        }
        let ppm = PlanValues.ppm(fraction)
        guard ppm <= Int64(RolloutPlan.fullWeightPPM) else {
            fail(node, "\(what) \(node.quoted) is over 100 %")
            return nil
        }
        guard ppm > 0 else {
            fail(node, "\(what) \(node.quoted) must be above 0 % (the smallest weight is 0.0001 %)")
            return nil
        }
        return UInt32(ppm)
    }

    mutating func duration(_ node: Node?, _ key: String, default value: Int64, positive: Bool) -> Int64 {
        guard let node else { return value }
        guard let text = node.scalarString, let ms = PlanValues.durationMs(text) else {
            fail(node, "\(key) \(node.quoted) is not a duration; write e.g. 500ms, 30s, 5m or 1h")
            return value
        }
        if ms < 0 || (positive && ms == 0) {
            fail(node, "\(key) \(node.quoted) must be \(positive ? "positive" : "zero or positive")")
            return value
        }
        return ms
    }

    mutating func count(_ node: Node?, _ key: String, default value: UInt64) -> UInt64 {
        guard let node else { return value }
        guard let text = node.scalarString, let n = Int64(text.trimmingSpaces), n >= 0 else {
            fail(node, "\(key) \(node.quoted) must be a whole number ≥ 0")
            return value
        }
        return UInt64(n)
    }

    mutating func share(_ node: Node, _ key: String, allowAboveOne: Bool = false) -> Double? {
        guard let text = node.scalarString, let value = PlanValues.fraction(text) else {
            fail(node, "\(key) \(node.quoted) is not a share; write e.g. 5% or 0.05")
            return nil
        }
        guard value >= 0, allowAboveOne || value <= 1 else {
            fail(node, "\(key) \(node.quoted) must be between 0 % and 100 %")
            return nil
        }
        return value
    }

    mutating func positiveMs(_ node: Node, _ key: String) -> Double? {
        guard let text = node.scalarString, let ms = PlanValues.durationMs(text) else {
            fail(node, "\(key) \(node.quoted) is not a latency; write e.g. 250ms or 1.5s")
            return nil
        }
        guard ms > 0 else {
            fail(node, "\(key) \(node.quoted) must be a positive latency")
            return nil
        }
        // Bare numbers are read as seconds by durationMs; for latencies ms
        // are the natural unit, so a bare number means milliseconds.
        if let bare = Double(text.trimmingSpaces) { return bare }
        return Double(ms)
    }

    mutating func nonNegative(_ node: Node, _ key: String) -> Double? {
        guard let text = node.scalarString, let value = Double(text.trimmingSpaces), value >= 0, value.isFinite else {
            fail(node, "\(key) \(node.quoted) must be a number ≥ 0")
            return nil
        }
        return value
    }

    func yamlIssue(_ error: YamlError) -> PlanIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return PlanIssue(file: file, line: mark.line, column: mark.column, message: "the plan is not valid YAML: \(problem)")
        default:
            return PlanIssue(file: file, line: 0, message: "the plan is not valid YAML: \(error)")
        }
    }

    static func percent(_ ppm: UInt32) -> String {
        var text = String(Double(ppm) / 10_000)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + "%"
    }
}

extension Node {
    var scalarString: String? {
        if case .scalar(let scalar) = self { return scalar.string }
        return nil
    }

    var quoted: String {
        if let s = scalarString { return "\"\(s)\"" }
        return mapping != nil ? "(a mapping)" : "(a list)"
    }
}
