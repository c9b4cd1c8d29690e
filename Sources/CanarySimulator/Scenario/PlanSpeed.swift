import Yams

/// Fast-forwards a plan: its durations shrink by the speed factor while its
/// sample requirements and statistics stay as written, so a faster run makes
/// the same decisions on the same evidence, only with less waiting.
public enum PlanSpeed {
    static let durationPaths: [[String]] = [
        ["bake", "min_duration"], ["analysis_window"], ["progress_deadline"],
    ]

    /// The plan YAML with its durations divided by `speed` (unchanged at 1).
    public static func scaled(_ source: String, speed: Double) throws -> String {
        guard speed != 1 else { return source }
        guard var root = try Yams.compose(yaml: source), case .mapping = root else {
            throw ScenarioError("the plan is not a YAML mapping")
        }
        for path in durationPaths {
            root = rewrite(root, path: path[...]) { text in
                DurationText.milliseconds(text).map {
                    DurationText.text(milliseconds: max(1, Int64((Double($0) / speed).rounded())))
                }
            }
        }
        return try Yams.serialize(node: root)
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
