extension RolloutPlan {
    /// Checks a plan built in code or decoded from JSON (the HTTP API, the
    /// journal) against the same rules the YAML parser enforces — without
    /// line numbers, which only the YAML has.
    public func validate(file: String = "plan") throws(PlanError) {
        var issues: [String] = []
        if model.isEmpty { issues.append("model is empty") }
        if baseline.isEmpty || canary.isEmpty { issues.append("baseline and canary must be named") }
        if baseline == canary { issues.append("canary and baseline must be different versions, both are \"\(canary)\"") }
        if let control {
            if control.isEmpty { issues.append("control must be named") }
            if control == baseline || control == canary {
                issues.append("control \"\(control)\" must be a route label of its own, distinct from the baseline and canary versions")
            }
            if control.utf8.count > RolloutPlan.maxRouteLabelBytes {
                issues.append("control \"\(control)\" is longer than the \(RolloutPlan.maxRouteLabelBytes) bytes a route label may have")
            }
        }
        if stepsPPM.isEmpty { issues.append("the plan has no steps") }
        for (i, step) in stepsPPM.enumerated() {
            if step == 0 { issues.append("step \(i + 1) is 0 %") }
            if step > Self.fullWeightPPM { issues.append("step \(i + 1) (\(step) ppm) is over 100 %") }
            if i > 0, step <= stepsPPM[i - 1] { issues.append("steps must increase: step \(i + 1) (\(step) ppm) does not exceed \(stepsPPM[i - 1]) ppm") }
        }
        for gate in pauseBeforePPM where !stepsPPM.contains(gate) {
            issues.append("pause_before \(gate) ppm is not one of the steps")
        }
        if !(alpha > 0 && alpha < 1) { issues.append("alpha must be strictly between 0 and 1, got \(alpha)") }
        if bake.minDurationMs < 0 { issues.append("bake.min_duration must be zero or positive") }
        if analysisWindowMs <= 0 { issues.append("analysis_window must be positive") }
        if staleAfterMs <= 0 { issues.append("stale_after must be positive") }
        if let deadline = progressDeadlineMs, deadline <= 0 { issues.append("progress_deadline must be positive") }
        if guards.isEmpty { issues.append("the plan has no guards") }
        if let e = evidence {
            if !(e.confidence >= 0.5 && e.confidence < 1) { issues.append("promote_confidence must be in [0.5, 1), got \(e.confidence)") }
            if e.confirmFromPPM > Self.fullWeightPPM { issues.append("confirm_from \(e.confirmFromPPM) ppm is over 100 %") }
            if e.holdbackPPM >= Self.fullWeightPPM / 2 { issues.append("holdback \(e.holdbackPPM) ppm must be below 50 %") }
            if e.maxBakeMs < 0 { issues.append("bake.max_duration must be zero or positive") }
            if e.stratumMs <= 0 { issues.append("stratum must be positive") }
        }
        var names: Set<String> = []
        for g in guards {
            if !names.insert(g.name).inserted { issues.append("guard name \"\(g.name)\" is used twice") }
            if g.metric == .latencyOver, g.thresholdMs == nil { issues.append("guard \(g.name): latency_over needs a threshold") }
            if g.metric == .predictionDrift, g.psiMax == nil, g.jsMax == nil { issues.append("guard \(g.name): prediction_drift needs psi_max and/or js_max") }
            if let t = g.tolerance, t < 0 { issues.append("guard \(g.name): tolerance must be ≥ 0") }
            if !(g.margin >= 0) || !g.margin.isFinite { issues.append("guard \(g.name): margin must be ≥ 0") }
            if g.mixtureSD <= 0 { issues.append("guard \(g.name): mixture_sd must be positive") }
        }
        issues += interferenceIssues()
        if !issues.isEmpty {
            throw PlanError(issues: issues.map { PlanIssue(file: file, line: 0, message: $0) })
        }
    }
}
