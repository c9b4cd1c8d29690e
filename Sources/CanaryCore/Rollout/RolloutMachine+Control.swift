/// The arms of a rollout: the baseline (with a control: the primary, the
/// production pool), the canary, and the plan's control arm — fresh
/// replicas of the baseline version at the canary's size.
enum RolloutArm: String, Sendable {
    case baseline, canary, control
}

extension RolloutMachine {
    /// The arm the relative guards compare the canary with, and its name in
    /// the evidence: the control for a plan with one — at every step, even
    /// at 100 % where it has no traffic left: its data share the canary's
    /// history of load, the primary's do not (RolloutPlan+Control) — else
    /// the baseline. The one place this is chosen.
    var comparisonArm: (name: String, data: ArmData) {
        if let controlData { return (RolloutArm.control.rawValue, controlData) }
        return (RolloutArm.baseline.rawValue, baselineData)
    }

    /// Which arm `window` (of this model) belongs to, nil if none: a control
    /// window of the baseline version is the control's when the plan has one
    /// and the baseline's otherwise (the role was informational before).
    func arm(of window: Window) -> RolloutArm? {
        if window.version == plan.canary { return .canary }
        guard window.version == plan.baseline else { return nil }
        return window.control && controlData != nil ? .control : .baseline
    }

    func data(of arm: RolloutArm) -> ArmData {
        switch arm {
        case .baseline: baselineData
        case .canary: canaryData
        case .control: controlData ?? ArmData()
        }
    }

    /// Why a control window cannot be counted, or nil: a control replica
    /// runs the baseline version, so a control window of the canary's (a
    /// misconfigured agent) would compare the canary with itself.
    func controlProblem(_ window: Window) -> String? {
        guard window.control, window.version == plan.canary else { return nil }
        return "window \(window.agentID)#\(window.sequence) refused: it comes from a control agent but reports the canary version \(window.version); a control runs the baseline \(plan.baseline)"
    }

    /// The arms that get traffic at the current weight (the canary always,
    /// as before: a step is entered to give it some), with the name the
    /// waiting list uses and the label staleness names.
    var armsWithTraffic: [(name: String, label: String, data: ArmData)] {
        let weights = weightsPPM
        var arms = [(RolloutArm.canary.rawValue, plan.canary, canaryData)]
        if weights[plan.baseline] ?? 0 > 0 { arms.append((RolloutArm.baseline.rawValue, plan.baseline, baselineData)) }
        if let control = plan.control, let controlData, weights[control] ?? 0 > 0 {
            arms.append((RolloutArm.control.rawValue, control, controlData))
        }
        return arms
    }

    /// "N canary and M baseline requests", with the control's when it has traffic.
    var stepRequestsText: String {
        let control = plan.controlWeightPPM(canary: canaryWeightPPM) > 0 ? ", \(controlData?.stepRequests ?? 0) control" : ""
        return "\(canaryData.stepRequests) canary\(control) and \(baselineData.stepRequests) baseline requests"
    }
}
