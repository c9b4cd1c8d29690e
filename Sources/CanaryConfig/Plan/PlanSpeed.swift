import CanaryCore
import Yams

/// Fast-forwards a plan: its durations shrink by the speed factor while its
/// sample requirements and statistics stay as written, so a faster run makes
/// the same decisions on the same evidence, only with less waiting. Lives
/// with the YAML layer because it rewrites the plan's text (the coordinator
/// is given the text, as an operator would give it).
public enum PlanSpeed {
    static let durationPaths: [[String]] = [
        ["bake", "min_duration"], ["bake", "max_duration"], ["analysis_window"], ["progress_deadline"], ["stratum"],
    ]

    /// The plan YAML with its durations divided by `speed` (unchanged at 1).
    public static func scaled(_ source: String, speed: Double) throws(ConfigError) -> String {
        guard speed != 1 else { return source }
        let composed = try? Yams.compose(yaml: source)
        guard var root = composed ?? nil, case .mapping = root else {
            throw ConfigError(file: "plan", message: "the plan is not a YAML mapping")
        }
        let shrink = { (text: String) in
            DurationText.milliseconds(text).map { DurationText.text(milliseconds: max(1, Int64((Double($0) / speed).rounded()))) }
        }
        for path in durationPaths {
            root = rewrite(root, path: path[...], shrink)
        }
        // A baseline_interference guard's reference period is a duration too.
        if case .mapping(var mapping) = root, case .sequence(var guards)? = mapping[Node("guards")] {
            guards = Node.Sequence(guards.map { rewrite($0, path: ["reference"], shrink) }, guards.tag, guards.style, guards.mark)
            mapping[Node("guards")] = .sequence(guards)
            root = .mapping(mapping)
        }
        do {
            return try Yams.serialize(node: root)
        } catch {
            throw ConfigError(file: "plan", message: "the fast-forwarded plan cannot be written: \(error)")
        }
    }

    static func rewrite(_ node: Node, path: ArraySlice<String>, _ change: (String) -> String?) -> Node {
        guard let key = path.first, case .mapping(var mapping) = node else { return node }
        guard let child = mapping[Node(key)] else { return node }
        if path.count == 1 {
            if let text = child.string, let new = change(text) { mapping[Node(key)] = Node(new) }
        } else {
            mapping[Node(key)] = rewrite(child, path: path.dropFirst(), change)
        }
        return .mapping(mapping)
    }
}
