/// `baseline_interference`: did the baseline get worse because the canary
/// arrived? A canary sharing a GPU or a node can starve the baseline, which
/// a canary-vs-baseline guard cannot see (it may even flatter the canary).
/// So the baseline is compared with itself: its windows since the rollout
/// began (the "canary" side of the test) against its windows over the
/// `reference` period just before it (the "baseline" side), with the same
/// one-sided mixture SPRT, tolerance and margin rules as the relative
/// guards (and counted among them for the alpha split).
///
/// A before/after comparison believes that nothing but the rollout changed
/// meanwhile: an upstream outage, a load surge or the time of day moves the
/// baseline too and trips this guard without the canary being at fault.
/// The sentence therefore also gives the canary's number over the same
/// time, and says when it moved as far: a shared cause moves both arms.
///
/// With no reference (a coordinator that had just started, a baseline with
/// no traffic before the start) or fewer than the samples the test needs,
/// the guard cannot judge and passes, saying so: a reference never grows
/// after the start, so waiting for it would hold the rollout forever.
extension Judge {
    func interferenceGuard(_ g: Guard, since: Window, canary: Window, reference: BaselineReference?) -> Verdict {
        let of = g.interferenceOf ?? .latencyP99
        let measure = InterferenceMeasure(metric: of, thresholdMs: g.thresholdMs ?? 0)
        let tolerance = g.tolerance ?? 0
        let who = "baseline \(plan.baseline) \(measure.label)"
        let nS = measure.counts(since).1
        let refWindow = reference?.window
        let nR = refWindow.map { measure.counts($0).1 } ?? 0
        let needed = of.quantile.map { Swift.max(g.minSamples, UInt64((1 / (1 - $0)).rounded(.up))) } ?? g.minSamples
        var evidence = Evidence(
            guardName: g.name, metric: g.metric, kind: .sequential, canary: measure.value(canary), baseline: measure.value(since),
            tolerance: tolerance, margin: g.margin > 0 ? g.margin : nil, canarySamples: measure.counts(canary).1,
            baselineSamples: nS, sentence: "")
        evidence.referenceSamples = nR
        evidence.referenceMs = reference?.coveredMs ?? 0

        guard let refWindow, nR >= needed else {
            let asked = BaselineReference.text(reference?.askedMs ?? plan.interferenceReferenceMs ?? Guard.defaultReferenceMs)
            let had = nR == 0 ? "no baseline requests" : "only \(nR) baseline requests (\(needed) needed)"
            evidence.sentence = "\(who): no reference, \(had) in the \(asked) before the rollout began; not judged, passes"
            return .pass(evidence: evidence)
        }
        evidence.reference = measure.value(refWindow)
        let result: MixtureSPRT.Result
        var detail = ""
        var allowed: Double
        if let q = of.quantile {
            // As `quantileGuard`: the share of requests above (1 + tolerance)
            // × the reference's quantile + margin, against its nominal 1 − q.
            let nominal = 1 - q
            let thresholdMicros = Self.micros((Double(refWindow.latency.quantile(q)) * (1 + tolerance) + g.margin * 1000).rounded())
            let above = since.latency.countAbove(micros: thresholdMicros)
            result = MixtureSPRT.test(
                canaryEvents: above, canaryTotal: nS, baselineShare: nominal, baselineVariance: nominal * q, baselineTotal: nR,
                scale: 1, offset: 0, tau: g.mixtureSD)
            allowed = Double(thresholdMicros) / 1000
            detail = " (\(PercentText.sentence(share(above, nS))) of its requests above \(Format.ms(allowed)), nominal \(PercentText.sentence(nominal)))"
        } else {
            let (xS, _) = measure.counts(since)
            let (xR, _) = measure.counts(refWindow)
            result = MixtureSPRT.test(
                canaryEvents: xS, canaryTotal: nS, baselineEvents: xR, baselineTotal: nR, scale: 1 + tolerance, offset: g.margin,
                tau: g.mixtureSD)
            allowed = measure.value(refWindow) * (1 + tolerance) + g.margin
        }
        evidence.difference = result.difference
        evidence.standardError = result.standardError
        evidence.eValue = result.eValue
        evidence.threshold = plan.rejectionThreshold
        let slack = g.margin > 0 ? " + " + (of.quantile == nil ? PercentText.sentence(g.margin) : Format.slack(g.margin)) : ""
        let nC = measure.counts(canary).1
        let shared = nC >= needed && measure.value(canary) > allowed
            ? ", as far above the reference as the baseline: a shared cause (an upstream outage, a load surge) moves both, which a before/after comparison cannot tell from interference"
            : ""
        evidence.sentence = "\(who) \(measure.text(since)) since the rollout began vs \(measure.text(refWindow)) in \(reference?.periodText ?? ""), tolerance \(PercentText.sentence(tolerance))\(slack)\(detail), \(eText(result.eValue)); canary \(plan.canary) \(measure.text(canary)) over the same time\(shared)"

        if result.eValue >= plan.rejectionThreshold { return .fail(guardName: g.name, evidence: evidence) }
        if nS < needed {
            return .needMoreData(what: "\(g.name) needs \(needed) baseline requests since the start, has \(nS)", evidence: evidence)
        }
        return .pass(evidence: evidence)
    }
}

/// What a `baseline_interference` guard measures of a window: its counts
/// (bad events, trials) and the value people read (a share, or ms).
private struct InterferenceMeasure {
    let metric: GuardMetric
    let thresholdMs: Double

    var label: String {
        switch metric {
        case .latencyOver: "share over \(Format.ms(thresholdMs))"
        case .latencyP50, .latencyP95, .latencyP99: "p\(Int(((metric.quantile ?? 0.99) * 100).rounded()))"
        default: "error rate"
        }
    }

    func counts(_ w: Window) -> (UInt64, UInt64) {
        switch metric {
        case .latencyOver: (w.latency.countAbove(micros: Judge.micros(thresholdMs * 1000)), w.latency.totalCount)
        case .latencyP50, .latencyP95, .latencyP99: (0, w.latency.totalCount)
        default: (w.modelErrors, w.requestCount)
        }
    }

    func value(_ w: Window) -> Double {
        if let q = metric.quantile { return Double(w.latency.quantile(q)) / 1000 }
        let (x, n) = counts(w)
        return n == 0 ? 0 : Double(x) / Double(n)
    }

    func text(_ w: Window) -> String {
        metric.quantile == nil ? PercentText.sentence(value(w)) : Format.ms(value(w))
    }
}
