/// The split of a plan with a control arm (``RolloutPlan/control``).
///
/// While the canary has less than half of the traffic the control gets the
/// canary's share, w, and the primary (the rest of the baseline) 1 − 2w: two
/// pools of the same size, warmth and load, differing only in the model. From
/// 50 % on no control as large as the canary fits beside it, and none is
/// needed — the primary is then no larger than the canary — so the control's
/// share is 0 and the relative guards compare with the primary (the
/// evidence says so: `comparedWith: baseline`). In route order the control
/// sits between the canary and the primary, so a key's canary membership
/// still only grows with the canary's weight.
extension RolloutPlan {
    /// The route label of `control: true`.
    public static let defaultControlLabel = "control"
    /// A route page label holds at most this many UTF-8 bytes (canary_shm.h).
    public static let maxRouteLabelBytes = 56

    /// The control's share (ppm) at canary weight `canaryPPM`: the canary's
    /// own below 50 %, else 0; always 0 for a plan without a control.
    public func controlWeightPPM(canary canaryPPM: UInt32) -> UInt32 {
        guard control != nil, UInt64(canaryPPM) * 2 < UInt64(Self.fullWeightPPM) else { return 0 }
        return canaryPPM
    }

    /// The whole split at canary weight `canaryPPM`, by route label: the
    /// baseline (primary), the canary and, with a control, the control —
    /// three entries, the control's possibly 0.
    public func weightsPPM(canary canaryPPM: UInt32) -> [String: UInt32] {
        let canaryPPM = Swift.min(canaryPPM, Self.fullWeightPPM)
        let controlPPM = controlWeightPPM(canary: canaryPPM)
        var weights = [baseline: Self.fullWeightPPM - canaryPPM - controlPPM, canary: canaryPPM]
        if let control { weights[control] = controlPPM }
        return weights
    }
}
