/// Judges a canary against its baseline, guard by guard.
///
/// Two kinds of evidence, on purpose:
/// - **Relative** guards (a `tolerance`) run the one-sided mixture SPRT
///   (`MixtureSPRT`) on a contrast summed over time strata — stretches with
///   one split — so the arms are only ever compared over the same periods
///   (``StratifiedContrast``: an outage that hits both versions is not the
///   canary's fault). Looking after every window costs nothing in validity,
///   so low traffic cannot cause a false rollback and a gross regression
///   trips within seconds. The plan's alpha is split evenly over the
///   relative guards (threshold k/alpha), so the whole rollout
///   false-rolls-back with probability ≤ alpha. The same mixture, aimed the
///   other way, gives an anytime-valid upper bound: where the plan asks for
///   positive evidence (``EvidencePolicy``) a guard passes only once that
///   bound shows the canary within tolerance, so a canary worse than
///   allowed is advanced with probability ≤ 1 − `promote_confidence`.
/// - **Absolute** limits (`max`/`min`) are hard: they trip at once over the
///   analysis window when at least `min_samples` are there.
///
/// Which sequential test for which metric: every relative guard here is a
/// comparison of *shares* — errors, requests over a latency threshold, wrong
/// predictions, and (by the equivalence explained at `quantileGuard`) latency
/// quantiles — so all of them use the two-sample mixture SPRT on a linear
/// contrast, which needs nothing but the counts a merged window carries.
/// Lindon & Malek's count e-process fits Poisson rates of unequal exposure
/// (events per second), which the plan does not guard; Howard et al.'s
/// confidence sequences for quantiles would need the raw order statistics,
/// which exact-merge windows deliberately do not keep. Drift is not tested
/// sequentially: it is a distance the operator bounds, not a hypothesis.
///
/// Each guard yields one verdict: `fail` if either kind trips, else
/// `needMoreData` while an arm has fewer than `min_samples` since the start,
/// else `needMoreData` while positive evidence is asked and not yet there,
/// else `pass`.
public struct Judge: Sendable {
    public let plan: RolloutPlan

    public init(plan: RolloutPlan) {
        self.plan = plan
    }

    public func evaluate(_ input: JudgeInput) -> [Verdict] {
        plan.guards.map { evaluate($0, input) }
    }

    public func evaluate(_ g: Guard, _ input: JudgeInput) -> Verdict {
        let verdict: Verdict = switch g.metric {
        case .errorRate: shareGuard(g, input, unit: "error rate") { ($0.modelErrors, $0.requestCount) }
        case .latencyOver:
            shareGuard(g, input, unit: "share over \(Format.ms(g.thresholdMs ?? 0))") { w in
                (w.latency.countAbove(micros: Self.micros((g.thresholdMs ?? 0) * 1000)), w.latency.totalCount)
            }
        case .latencyP50, .latencyP95, .latencyP99: quantileGuard(g, input)
        case .accuracy: accuracyGuard(g, input)
        case .predictionDrift: driftGuard(g, input)
        case .ringLoss: ringLossGuard(g, input)
        case .baselineInterference: interferenceGuard(g, since: input.baseline, canary: input.canary, reference: input.reference)
        }
        return verdict.compared(with: input.comparedArm)
    }

    // MARK: Shares where lower is better (error rate, share over a threshold)

    func shareGuard(_ g: Guard, _ input: JudgeInput, unit: String, counts: (Window) -> (UInt64, UInt64)) -> Verdict {
        let (xC, nC) = counts(input.canary)
        let (xB, nB) = counts(input.baseline)
        let pC = share(xC, nC)
        let pB = share(xB, nB)

        let (rxC, rnC) = counts(input.recentCanary)
        if let limit = g.max, rnC >= g.minSamples, share(rxC, rnC) > limit {
            let recent = share(rxC, rnC)
            let (rxB, rnB) = counts(input.recentBaseline)
            return .fail(guardName: g.name, evidence: Evidence(
                guardName: g.name, metric: g.metric, kind: .absolute, canary: recent, baseline: share(rxB, rnB),
                limit: limit, canarySamples: rnC, baselineSamples: rnB,
                sentence: "\(unit) canary \(PercentText.sentence(recent)) over the last \(windowText) exceeds the limit \(PercentText.sentence(limit)) (\(rnC) requests)"))
        }
        if let tolerance = g.tolerance {
            var evidence = Evidence(
                guardName: g.name, metric: g.metric, kind: .sequential, canary: pC, baseline: pB, tolerance: tolerance,
                margin: g.margin > 0 ? g.margin : nil, canarySamples: nC, baselineSamples: nB,
                sentence: "\(unit) canary \(PercentText.sentence(pC)) vs \(input.comparedArm) \(PercentText.sentence(pB)), tolerance \(PercentText.sentence(tolerance))\(g.margin > 0 ? " + \(PercentText.sentence(g.margin))" : "")")
            let s = attachSequential(g, input, to: &evidence, baselineShare: pB)
            return conclude(g, evidence, samples: (nC, nB), unit: "requests", sequential: s, input: input)
        }
        let evidence = Evidence(
            guardName: g.name, metric: g.metric, kind: .absolute, canary: share(rxC, rnC), limit: g.max,
            canarySamples: rnC, baselineSamples: counts(input.recentBaseline).1,
            sentence: "\(unit) canary \(PercentText.sentence(share(rxC, rnC))) within the limit \(PercentText.sentence(g.max ?? 1))")
        return conclude(g, evidence, samples: (nC, nB), unit: "requests")
    }

    // MARK: Latency quantiles

    /// A quantile guard tests a share, not the quantile itself: "the canary's
    /// q-quantile exceeds (1 + tolerance) × the baseline's" is equivalent to
    /// "more than 1 − q of canary requests are slower than T = (1 + tolerance)
    /// × baseline q-quantile". So the test counts canary requests above T and
    /// compares their share with the nominal 1 − q. T is estimated from the
    /// baseline; by the Bahadur representation the share above an estimated
    /// quantile varies like a binomial share over the baseline's n, so the
    /// baseline term of the variance is (1 − q)·q / n_b. A `margin` (ms)
    /// raises T by that much: an absolute slack that keeps a relative guard
    /// usable where 20 % of the baseline is a few microseconds of noise.
    func quantileGuard(_ g: Guard, _ input: JudgeInput) -> Verdict {
        let q = g.metric.quantile ?? 0.99
        let label = "p\(Int((q * 100).rounded()))"
        let nC = input.canary.latency.totalCount
        let nB = input.baseline.latency.totalCount
        let canaryQ = Double(input.canary.latency.quantile(q)) / 1000
        let baselineQ = Double(input.baseline.latency.quantile(q)) / 1000

        let rnC = input.recentCanary.latency.totalCount
        if let limit = g.max, rnC >= g.minSamples {
            let recentQ = Double(input.recentCanary.latency.quantile(q)) / 1000
            if recentQ > limit {
                return .fail(guardName: g.name, evidence: Evidence(
                    guardName: g.name, metric: g.metric, kind: .absolute, canary: recentQ,
                    baseline: Double(input.recentBaseline.latency.quantile(q)) / 1000, limit: limit,
                    canarySamples: rnC, baselineSamples: input.recentBaseline.latency.totalCount,
                    sentence: "\(label) canary \(Format.ms(recentQ)) over the last \(windowText) exceeds the limit \(Format.ms(limit)) (\(rnC) requests)"))
            }
        }
        if let tolerance = g.tolerance {
            let nominal = 1 - q
            let thresholdMicros = Self.micros((Double(input.baseline.latency.quantile(q)) * (1 + tolerance) + g.margin * 1000).rounded())
            let above = input.canary.latency.countAbove(micros: thresholdMicros)
            var evidence = Evidence(
                guardName: g.name, metric: g.metric, kind: .sequential, canary: canaryQ, baseline: baselineQ,
                tolerance: tolerance, margin: g.margin > 0 ? g.margin : nil, canarySamples: nC, baselineSamples: nB,
                sentence: "\(label) canary \(Format.ms(canaryQ)) vs \(input.comparedArm) \(Format.ms(baselineQ)), tolerance \(PercentText.sentence(tolerance))\(g.margin > 0 ? " + \(Format.slack(g.margin))" : "") (\(PercentText.sentence(share(above, nC))) of canary requests above \(Format.ms(Double(thresholdMicros) / 1000)), nominal \(PercentText.sentence(nominal)))")
            let s = attachSequential(g, input, to: &evidence, baselineShare: nominal)
            // Fewer than ~1/(1−q) baseline samples cannot place the quantile.
            let needed = max(g.minSamples, UInt64((1 / nominal).rounded(.up)))
            return conclude(g, evidence, samples: (nC, nB), unit: "requests", needed: needed, sequential: s, input: input)
        }
        let evidence = Evidence(
            guardName: g.name, metric: g.metric, kind: .absolute,
            canary: Double(input.recentCanary.latency.quantile(q)) / 1000, limit: g.max, canarySamples: rnC,
            baselineSamples: input.recentBaseline.latency.totalCount,
            sentence: "\(label) canary \(Format.ms(Double(input.recentCanary.latency.quantile(q)) / 1000)) within the limit \(Format.ms(g.max ?? 0))")
        return conclude(g, evidence, samples: (nC, nB), unit: "requests")
    }

    // MARK: Accuracy (higher is better)

    /// Tested as the share of wrong predictions: canary misses − baseline
    /// misses − allowed drop ≤ 0. Labels count against the version that served
    /// the request, whenever they arrive.
    func accuracyGuard(_ g: Guard, _ input: JudgeInput) -> Verdict {
        let nC = input.canary.labeledCount
        let nB = input.baseline.labeledCount
        let accC = nC == 0 ? 0 : Double(input.canary.correctCount) / Double(nC)
        let accB = nB == 0 ? 0 : Double(input.baseline.correctCount) / Double(nB)
        let rnC = input.recentCanary.labeledCount
        if let limit = g.min, rnC >= g.minSamples {
            let recent = Double(input.recentCanary.correctCount) / Double(rnC)
            if recent < limit {
                return .fail(guardName: g.name, evidence: Evidence(
                    guardName: g.name, metric: g.metric, kind: .absolute, canary: recent, limit: limit,
                    canarySamples: rnC, baselineSamples: input.recentBaseline.labeledCount,
                    sentence: "accuracy canary \(PercentText.sentence(recent)) over the last \(windowText) is below the limit \(PercentText.sentence(limit)) (\(rnC) labels)"))
            }
        }
        let drop = g.tolerance
        var evidence = Evidence(
            guardName: g.name, metric: g.metric, kind: drop == nil ? .absolute : .sequential, canary: accC,
            baseline: accB, limit: g.min, tolerance: drop, canarySamples: nC, baselineSamples: nB,
            sentence: "accuracy canary \(PercentText.sentence(accC)) vs \(input.comparedArm) \(PercentText.sentence(accB))")
        if let labeled = input.stepLabeled, let requests = input.stepRequests {
            evidence.stepLabeled = labeled
            evidence.stepRequests = requests
            evidence.sentence += "; labeled this step: \(labeled) of \(requests) canary requests"
        }
        var s: Sequential?
        if drop != nil { s = attachSequential(g, input, to: &evidence, baselineShare: 1 - accB) }
        // A step's own traffic must be covered by labels before accuracy
        // evidence lets it advance: labels that arrived since it began.
        if drop != nil, input.requiresEvidence, let labeled = input.stepLabeled, labeled < g.minSamples {
            if let e = evidence.eValue, let threshold = evidence.threshold, e >= threshold {
                return .fail(guardName: g.name, evidence: evidence)
            }
            evidence.awaitingEvidence = true
            return .needMoreData(
                what: "\(g.name) needs \(g.minSamples) canary labels this step, has \(labeled) (of \(input.stepRequests ?? 0) requests)",
                evidence: evidence)
        }
        return conclude(g, evidence, samples: (nC, nB), unit: "labeled outcomes", sequential: s, input: input)
    }

    // MARK: Drift and data quality

    func driftGuard(_ g: Guard, _ input: JudgeInput) -> Verdict {
        let (c, b): ([UInt64], [UInt64]) = switch g.source {
        case .classes: Drift.aligned(canary: input.canary.predictionCounts, baseline: input.baseline.predictionCounts)
        case .scores: (input.canary.scores.counts, input.baseline.scores.counts)
        }
        let nC = c.reduce(0, &+)
        let nB = b.reduce(0, &+)
        let psi = Drift.psi(canary: c, baseline: b)
        let js = Drift.jensenShannon(canary: c, baseline: b)
        let what = g.source == .classes ? "prediction classes" : "score bins"
        var sentence = "\(what) PSI \(Format.number(psi))\(g.psiMax.map { " (max \(Format.number($0)))" } ?? ""), JS \(Format.number(js))\(g.jsMax.map { " (max \(Format.number($0)))" } ?? "") over \(nC) canary and \(nB) \(input.comparedArm) predictions"
        let psiTrips = g.psiMax.map { psi > $0 } ?? false
        let jsTrips = g.jsMax.map { js > $0 } ?? false
        let (value, limit) = psiTrips || g.jsMax == nil ? (psi, g.psiMax) : (js, g.jsMax)
        if psiTrips || jsTrips { sentence = "drift: " + sentence }
        let evidence = Evidence(
            guardName: g.name, metric: g.metric, kind: .drift, canary: value, limit: limit, canarySamples: nC,
            baselineSamples: nB, sentence: sentence)
        if nC >= g.minSamples, nB >= g.minSamples, psiTrips || jsTrips {
            return .fail(guardName: g.name, evidence: evidence)
        }
        return conclude(g, evidence, samples: (nC, nB), unit: "predictions")
    }

    /// Loss over the analysis window, either arm: judging on data with holes
    /// would be judging on a biased sample.
    func ringLossGuard(_ g: Guard, _ input: JudgeInput) -> Verdict {
        func loss(_ w: Window) -> (Double, UInt64) {
            let lost = w.ringLost &+ w.ringOverrun
            let total = lost &+ w.requestCount
            return (share(lost, total), total)
        }
        let (lc, tc) = loss(input.recentCanary)
        let (lb, tb) = loss(input.recentBaseline)
        let limit = g.max ?? 0.01
        let evidence = Evidence(
            guardName: g.name, metric: g.metric, kind: .dataQuality, canary: lc, baseline: lb, limit: limit,
            canarySamples: tc, baselineSamples: tb,
            sentence: "ring loss canary \(PercentText.sentence(lc)), baseline \(PercentText.sentence(lb)), limit \(PercentText.sentence(limit))")
        if (lc > limit && tc >= g.minSamples) || (lb > limit && tb >= g.minSamples) {
            return .fail(guardName: g.name, evidence: evidence)
        }
        return .pass(evidence: evidence)
    }

    // MARK: Helpers

    /// Fills the evidence's sequential fields from the stratified test.
    func attachSequential(_ g: Guard, _ input: JudgeInput, to evidence: inout Evidence, baselineShare: Double) -> Sequential? {
        evidence.threshold = plan.rejectionThreshold
        guard let s = sequential(g, input) else {
            evidence.eValue = 1
            evidence.sentence += ", e-value 1 (no stratum with both arms yet)"
            return nil
        }
        evidence.difference = s.difference
        evidence.standardError = s.standardError
        evidence.eValue = s.eValue
        evidence.lowerBound = s.lower
        evidence.upperBound = s.upper
        evidence.confidence = plan.evidencePolicy.confidence
        evidence.strata = s.strata
        evidence.interval = intervalText(g, s, baselineShare: baselineShare)
        if g.metric == .accuracy, let drop = g.tolerance { evidence.sentence += ", allowed drop \(Format.number(drop * 100)) points" }
        evidence.sentence += ", \(eText(s.eValue)) over \(s.strata) \(s.strata == 1 ? "stratum" : "strata")"
        return s
    }

    func conclude(_ g: Guard, _ evidence: Evidence, samples: (UInt64, UInt64), unit: String, needed: UInt64? = nil,
                  sequential s: Sequential? = nil, input: JudgeInput? = nil) -> Verdict {
        if let e = evidence.eValue, let threshold = evidence.threshold, e >= threshold {
            return .fail(guardName: g.name, evidence: evidence)
        }
        let needed = needed ?? g.minSamples
        if samples.0 < needed || samples.1 < needed {
            return .needMoreData(
                what: "\(g.name) needs \(needed) \(unit) per arm, has canary \(samples.0), baseline \(samples.1)",
                evidence: evidence)
        }
        // Positive evidence: the upper bound must show the canary within
        // its tolerance before this step may advance.
        if g.isRelative, let input, input.requiresEvidence {
            guard let s, s.upper < 0 else {
                var evidence = evidence
                evidence.awaitingEvidence = true
                var what = "\(g.name) not yet shown within tolerance: " + (evidence.interval ?? "no comparison yet")
                if let s {
                    let more = moreSamplesNeeded(s, tau: g.mixtureSD, canaryShare: input.canaryShare)
                    evidence.moreSamplesNeeded = more
                    what += more.map { "; needs ~\($0) more canary \(unit) at this split" }
                        ?? (s.difference >= 0 ? "; the estimate itself is over the tolerance" : "; no concurrent baseline at this split")
                }
                return .needMoreData(what: what, evidence: evidence)
            }
        }
        return .pass(evidence: evidence)
    }

    /// A non-negative Double as µs, saturating (NaN and negatives are 0): a
    /// plan's threshold or tolerance, however large, never traps a conversion.
    static func micros(_ value: Double) -> UInt64 {
        guard value.isFinite, value > 0 else { return value == .infinity ? .max : 0 }
        return value >= 18_446_744_073_709_549_568 ? .max : UInt64(value)
    }

    func share(_ x: UInt64, _ n: UInt64) -> Double { n == 0 ? 0 : Double(x) / Double(n) }

    func eText(_ e: Double) -> String {
        let threshold = plan.rejectionThreshold
        return "e-value \(Format.number(e)) \(e >= threshold ? ">=" : "<") \(Format.number(threshold))"
    }

    var windowText: String { "\(Format.number(Double(plan.analysisWindowMs) / 1000)) s" }
}
