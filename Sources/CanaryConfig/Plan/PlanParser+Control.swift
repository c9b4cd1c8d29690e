import CanaryCore

extension PlanParser {
    /// `control: true` (the label `control`), `control: <label>` (the route
    /// label routers send the control's share to), or `control: false` /
    /// absent: no control. The label must differ from both versions: it is
    /// what tells a router the control replicas from the rest of the
    /// baseline, which runs the same version.
    static func parseControl(_ node: ConfigNode?, baseline: String?, canary: String?) -> String? {
        guard let node else { return nil }
        switch node.scalar?.lowercased() {
        case "true", "yes", "on": return RolloutPlan.defaultControlLabel
        case "false", "no", "off": return nil
        default: break
        }
        guard let label = node.nonEmptyString() else { return nil }
        if label == baseline || label == canary {
            node.fail("control \(node.quoted) names a version; give the control arm a route label of its own (e.g. control: \(baseline ?? "v1")-control, or control: true for the label \(RolloutPlan.defaultControlLabel))")
            return nil
        }
        if label.utf8.count > RolloutPlan.maxRouteLabelBytes {
            node.fail("control \(node.quoted) is \(label.utf8.count) bytes; a route label has at most \(RolloutPlan.maxRouteLabelBytes)")
            return nil
        }
        return label
    }
}
