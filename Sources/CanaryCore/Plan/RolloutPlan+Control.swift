/// The split of a plan with a control arm (``RolloutPlan/control``).
///
/// The control gets the canary's share w while that fits — w ≤ 50 % — and
/// the rest, 1 − w, above it; the primary (the rest of the baseline) gets
/// what is left, 1 − 2w, or nothing from 50 % on. So up to 50 % canary and
/// control have equal shares at every step, and their data, merged since
/// the rollout began, have the same history of load: the relative guards
/// compare two pools that differ only in the model. Above 50 % the control
/// is the smaller arm and at 100 % it has no traffic; the guards keep
/// comparing with it (its data so far), never switch to the primary's,
/// whose history differs (``RolloutMachine/comparisonArm``). Size and scale
/// the control replicas like the canary's. In route order the control sits
/// between the canary and the primary, so a key's canary membership still
/// only grows with the canary's weight.
extension RolloutPlan {
    /// The route label of `control: true`.
    public static let defaultControlLabel = "control"
    /// A route page label holds at most this many UTF-8 bytes (canary_shm.h).
    public static let maxRouteLabelBytes = 56

    /// The control's share (ppm) at canary weight `canaryPPM`: min(w, 1 − w);
    /// always 0 for a plan without a control.
    public func controlWeightPPM(canary canaryPPM: UInt32) -> UInt32 {
        guard control != nil else { return 0 }
        let canaryPPM = Swift.min(canaryPPM, Self.fullWeightPPM)
        return Swift.min(canaryPPM, Self.fullWeightPPM - canaryPPM)
    }

    /// The whole split at canary weight `canaryPPM`, by route label: the
    /// baseline (primary), the canary and, with a control, the control —
    /// three entries, the primary's 0 from 50 % on.
    public func weightsPPM(canary canaryPPM: UInt32) -> [String: UInt32] {
        let canaryPPM = Swift.min(canaryPPM, Self.fullWeightPPM)
        let controlPPM = controlWeightPPM(canary: canaryPPM)
        var weights = [baseline: Self.fullWeightPPM - canaryPPM - controlPPM, canary: canaryPPM]
        if let control { weights[control] = controlPPM }
        return weights
    }
}
