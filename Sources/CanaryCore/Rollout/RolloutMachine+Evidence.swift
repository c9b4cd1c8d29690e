/// The machine's side of "compare like with like, promote only on
/// evidence": the relative guards' time strata, the baseline's holdback at
/// a 100 % step, and which steps need positive evidence.
extension RolloutMachine {
    static let inconclusivePrefix = "inconclusive"

    /// Whether the current step advances only on positive evidence: steps at
    /// or above `confirm_from`, and always the last (promotion).
    var requiresEvidence: Bool {
        guard plan.stepsPPM.indices.contains(stepIndex) else { return true }
        return stepIndex == plan.stepsPPM.count - 1 || plan.stepsPPM[stepIndex] >= plan.evidencePolicy.confirmFromPPM
    }

    /// A 100 % step keeps the plan's holdback on the baseline until it has
    /// baked, so it is still judged against concurrent baseline traffic;
    /// promotion then moves the rest.
    func heldBack(_ ppm: UInt32) -> UInt32 {
        let holdback = plan.evidencePolicy.holdbackPPM
        guard ppm == RolloutPlan.fullWeightPPM, holdback > 0, holdback < ppm else { return ppm }
        return ppm - holdback
    }

    /// Called after the arm's cumulative data took `window`.
    mutating func addToStratum(_ window: Window, isCanary: Bool, at now: Int64) {
        guard var strata = self.strata else {
            // The cumulative data the legacy stratum starts from holds it already.
            self.strata = legacyStrata(at: now)
            return
        }
        strata.add(window, isCanary: isCanary)
        self.strata = strata
    }

    /// Ends the open stratum on a tick once it is due. On a tick, not on a
    /// window: closing between one arm's window and the other's of the same
    /// second would put them in different strata, always in the order they
    /// happen to arrive — a systematic one-window shift between the arms at
    /// every boundary, which a change over time turns into bias.
    mutating func closeStratumIfDue(at now: Int64) {
        guard var strata = self.strata,
              strata.isDue(at: now, plan: plan, baselineHasTraffic: comparedCanaryShare < 1) else { return }
        strata.close(at: now, judge: Judge(plan: plan))
        self.strata = strata
    }

    /// The arm the canary is compared with (``comparisonArm``).
    var comparedArm: RolloutArm { plan.control != nil ? .control : .baseline }

    /// The canary's share of the two compared arms' traffic at the current
    /// split (1 when the compared arm gets none).
    var comparedCanaryShare: Double {
        let canary = Double(canaryWeightPPM)
        let other = plan.control != nil
            ? Double(plan.controlWeightPPM(canary: canaryWeightPPM))
            : Double(RolloutPlan.fullWeightPPM - canaryWeightPPM)
        return canary + other > 0 ? canary / (canary + other) : 1
    }

    /// Ends the open stratum (the split is about to change).
    mutating func closeStratum(at now: Int64) {
        var strata = self.strata ?? legacyStrata(at: now)
        strata.close(at: now, judge: Judge(plan: plan))
        self.strata = strata
    }

    /// Strata for a machine that has none: its data so far is one stratum
    /// (a rollout recovered from a snapshot journaled before strata, or
    /// windows that arrived before the start).
    func legacyStrata(at now: Int64) -> Strata {
        var strata = Strata(openedAtMs: now, guards: plan.guards.count)
        strata.baseline = comparisonArm.data.cumulative
        strata.canary = canaryCumulative
        return strata
    }
}
