import CanaryCore

extension RolloutPlan {
    /// Parses and validates a YAML plan. `file` only names the source in
    /// errors. Every problem found is reported (not just the first), each with
    /// its line and a sentence saying what is wrong.
    public static func parse(yaml: String, file: String = "plan.yaml") throws(PlanError) -> RolloutPlan {
        let document = ConfigDocument(yaml: yaml, file: file, name: "plan", quote: "\"")
        let plan = PlanParser.plan(document)
        let issues = document.issues
        if let plan, issues.isEmpty { return plan }
        throw PlanError(issues: issues.isEmpty
            ? [PlanIssue(file: file, line: 0, message: "the plan could not be read")] : issues)
    }
}

/// Reads a plan through the strict configuration layer; the sentences are
/// the plan's own (they name the plan's concepts: steps, guards, bake).
enum PlanParser {
    static let topKeys: Set<String> = [
        "name", "model", "baseline", "canary", "control", "steps", "bake", "analysis_window", "alpha", "pause_before",
        "on_breach", "progress_deadline", "stale_after", "guards", "promote_confidence", "confirm_from", "on_inconclusive",
        "holdback", "stratum",
    ]
    static let bakeKeys: Set<String> = ["min_duration", "min_samples_per_arm", "max_duration"]

    static func plan(_ document: ConfigDocument) -> RolloutPlan? {
        guard let root = document.root(allowed: topKeys) else { return nil }
        let model = root.required("model")?.nonEmptyString()
        let baseline = root.required("baseline")?.nonEmptyString()
        let canary = root.required("canary")?.nonEmptyString()
        if let baseline, let canary, baseline == canary {
            root.fail(at: "canary", "canary and baseline must be different versions, both are \"\(canary)\"")
        }
        let control = parseControl(root["control"], baseline: baseline, canary: canary)
        let issuesBeforeSteps = document.issueCount
        let steps = parseSteps(root)
        // A refused step is not missing from the steps a gate names.
        let stepsRead = document.issueCount == issuesBeforeSteps
        let (bake, maxDuration) = parseBake(root["bake"])
        let analysisWindow = duration(root["analysis_window"], default: 60_000, positive: true)
        let staleAfter = duration(root["stale_after"], default: 5_000, positive: true)
        let deadline = root["progress_deadline"].map { duration($0, default: 0, positive: true) }
        var alpha = 0.01
        if let node = root["alpha"], let value = node.fraction(in: 0...1) {
            if value > 0, value < 1 {
                alpha = value
            } else {
                node.fail("alpha must be a probability strictly between 0 and 1 (e.g. 0.01), got \(node.quoted)")
            }
        }
        let onBreach = root["on_breach"]?.oneOf(BreachAction.self) ?? .rollback
        var pauseBefore: [UInt32] = []
        for item in root["pause_before"]?.list() ?? [] {
            guard let ppm = weight(item) else { continue }
            if stepsRead, !steps.contains(ppm) { item.fail("pause_before \(item.quoted) is not one of the steps") }
            pauseBefore.append(ppm)
        }
        var guards: [Guard] = []
        if let node = root["guards"] {
            var seen: Set<String> = []
            var reference: Int64?
            for item in node.list() ?? [] {
                guard let parsed = parseGuard(item) else { continue }
                if !seen.insert(parsed.name).inserted {
                    item.fail("guard name \"\(parsed.name)\" is used twice; give one of them a distinct name")
                }
                // One reference period: the coordinator hands the rollout one.
                if parsed.metric == .baselineInterference {
                    let ms = parsed.referenceMs ?? Guard.defaultReferenceMs
                    if let first = reference, first != ms {
                        item.fail("guard \(parsed.name) asks a reference of \(BaselineReference.text(ms)), an earlier baseline_interference guard \(BaselineReference.text(first)); every baseline_interference guard of a plan shares one reference period")
                    }
                    reference = reference ?? ms
                }
                guards.append(parsed)
            }
        } else {
            root.node.fail("the plan has no guards; add at least one (e.g. error_rate) so a bad canary can be rolled back")
        }

        let evidence = parseEvidence(root, bake: bake, maxDuration: maxDuration, deadlineMs: deadline)

        guard let model, let baseline, let canary, let bake, !document.hasIssues else { return nil }
        let plan = RolloutPlan(
            name: root["name"]?.string(), model: model, baseline: baseline, canary: canary, control: control, stepsPPM: steps,
            bake: bake, analysisWindowMs: analysisWindow, alpha: alpha, pauseBeforePPM: pauseBefore,
            onBreach: onBreach, progressDeadlineMs: deadline, staleAfterMs: staleAfter, guards: guards, evidence: evidence)
        // Anything the node-level checks missed, reported without a line.
        do {
            try plan.validate(file: document.file)
        } catch {
            error.issues.forEach(document.add)
            return nil
        }
        return plan
    }

    // MARK: Sections

    static func parseSteps(_ root: ConfigMapping) -> [UInt32] {
        guard let node = root["steps"] else {
            root.node.fail("the plan has no steps; list canary weights such as [1%, 10%, 50%, 100%]")
            return []
        }
        guard let items = node.list() else { return [] }
        var steps: [UInt32] = []
        for item in items {
            guard let ppm = weight(item) else { continue }
            if let last = steps.last, ppm <= last {
                item.fail("steps must increase: \(item.quoted) does not exceed the previous step \(PercentText.text(ppm: last))")
            }
            steps.append(ppm)
        }
        if items.isEmpty { node.fail("steps is empty; list at least one canary weight") }
        return steps
    }

    /// The bake, and its `max_duration` node for ``parseEvidence``.
    static func parseBake(_ node: ConfigNode?) -> (Bake?, ConfigNode?) {
        guard let node else { return (Bake(minDurationMs: 60_000, minSamplesPerArm: 1_000), nil) }
        guard let bake = node.mapping(allowed: bakeKeys) else { return (nil, nil) }
        let minDuration = duration(bake["min_duration"], default: 60_000, positive: false)
        let minSamples = bake["min_samples_per_arm"].map { $0.integer(in: 0...Int64.max) ?? 0 } ?? 1_000
        return (Bake(minDurationMs: minDuration, minSamplesPerArm: UInt64(minSamples)), bake["max_duration"])
    }

    /// Promotion on positive evidence (``EvidencePolicy``). `max_duration`
    /// defaults to 10 minutes, or the progress deadline if that is sooner
    /// (a step then meets both at once, and being inconclusive is the
    /// better-named reason).
    static func parseEvidence(_ root: ConfigMapping, bake: Bake?, maxDuration: ConfigNode?, deadlineMs: Int64?) -> EvidencePolicy {
        var policy = EvidencePolicy()
        if let node = root["promote_confidence"], let value = node.fraction(in: 0...1) {
            if value >= 0.5, value < 1 {
                policy.confidence = value
            } else {
                node.fail("promote_confidence must be at least 50 % and below 100 % (e.g. 0.99: a canary worse than its tolerance is promoted at most 1 % of the time), got \(node.quoted)")
            }
        }
        if let node = root["confirm_from"], let ppm = node.ppm(in: 0...Int64(RolloutPlan.fullWeightPPM)) {
            policy.confirmFromPPM = UInt32(ppm)
        }
        policy.onInconclusive = root["on_inconclusive"]?.oneOf(InconclusiveAction.self) ?? .pause
        if let node = root["holdback"], let ppm = node.ppm(in: 0...Int64(RolloutPlan.fullWeightPPM)) {
            if ppm >= Int64(RolloutPlan.fullWeightPPM) / 2 {
                node.fail("holdback \(node.quoted) must be below 50 %: it is the baseline's share kept during the 100 % step (e.g. 5%), or 0 to judge that step by absolute limits only")
            } else {
                policy.holdbackPPM = UInt32(ppm)
            }
        }
        policy.stratumMs = duration(root["stratum"], default: policy.stratumMs, positive: true)
        let minBake = bake?.minDurationMs ?? 0
        if let node = maxDuration {
            let value = duration(node, default: EvidencePolicy.defaultMaxBakeMs, positive: true)
            if value < minBake {
                node.fail("bake.max_duration \(node.quoted) is shorter than bake.min_duration (\(DurationText.text(milliseconds: minBake))): a step cannot give up waiting for evidence before it has baked")
            }
            if let deadlineMs, value > deadlineMs {
                node.fail("bake.max_duration \(node.quoted) is longer than progress_deadline (\(DurationText.text(milliseconds: deadlineMs))): the deadline would always act first; shorten it or the deadline")
            }
            policy.maxBakeMs = value
        } else {
            policy.maxBakeMs = Swift.max(minBake, Swift.min(EvidencePolicy.defaultMaxBakeMs, deadlineMs ?? .max))
        }
        return policy
    }

    // MARK: Scalars

    static func weight(_ node: ConfigNode) -> UInt32? {
        node.ppm(in: 1...Int64(RolloutPlan.fullWeightPPM)).map { UInt32($0) }
    }

    static func duration(_ node: ConfigNode?, default value: Int64, positive: Bool) -> Int64 {
        guard let node else { return value }
        guard hasUnit(node) else { return value }
        return node.durationMs(in: (positive ? 1 : 0)...Int64.max) ?? value
    }

    /// Every time in a plan carries its unit. A plan holds latencies
    /// (`threshold`, a quantile's `max`) next to durations (`bake`,
    /// `analysis_window`), and a bare number cannot mean milliseconds in one
    /// and seconds in the other without someone writing `threshold: 0.5`
    /// for half a second and getting half a millisecond: a bare number other
    /// than 0 is refused, naming both readings. (Agent and coordinator
    /// configs hold only durations, where a bare number is seconds.)
    static func hasUnit(_ node: ConfigNode) -> Bool {
        guard let text = node.scalar?.trimmingBlanks(), let bare = Double(text), bare != 0 else { return true }
        node.fail("\(node.path) \(node.quoted) has no unit; every latency and duration in a plan carries one: write e.g. \(text)ms or \(text)s")
        return false
    }
}
