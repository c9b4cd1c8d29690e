import CanaryCore
import Yams

/// One YAML file being read: where every issue found in it is collected, so
/// a file with three mistakes is reported once with all three, each with its
/// file:line:column. Every file kind (plans, agent, coordinator and webhooks,
/// scenarios) is read through this and its `ConfigNode`s.
public struct ConfigDocument {
    public let file: String
    /// What the root mapping is called in messages ("plan", "agent config").
    public let name: String
    /// How values are quoted in messages: plans say `"150%"`, configs `'5ms'`.
    let quote: String
    private let sink = IssueSink()
    private let root: Node?

    public init(yaml: String, file: String, name: String, quote: String = "'") {
        self.file = file
        self.name = name
        self.quote = quote
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            // Yams's text already names the line and column of the problem.
            root = nil
            sink.add(ConfigIssue(file: file, line: 0, message: "not valid YAML: \(error)"))
            return
        }
        if root == nil { sink.add(ConfigIssue(file: file, line: 0, message: "the file is empty")) }
    }

    /// The root mapping with its keys checked; nil (with an issue) when the
    /// file is not valid YAML, empty, or not a mapping.
    public func root(allowed: Set<String>) -> ConfigMapping? {
        guard let root else { return nil }
        return ConfigNode(node: root, path: "", document: self).mapping(allowed: allowed)
    }

    /// The root value whatever its shape (an allow-list is a list); nil
    /// (with an issue) when the file is not valid YAML or empty.
    public func rootNode() -> ConfigNode? {
        root.map { ConfigNode(node: $0, path: "", document: self) }
    }

    /// Every issue so far, in file order whatever order the checks ran in.
    public var issues: [ConfigIssue] {
        sink.issues.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }.map(\.element)
    }

    public var hasIssues: Bool { !sink.issues.isEmpty }

    /// How many issues so far: lets a reader tell whether one item added any.
    var issueCount: Int { sink.issues.count }

    /// Every issue found, as one error.
    public var error: ConfigError { ConfigError(issues: issues) }

    /// Throws every issue found, if any.
    public func finish() throws(ConfigError) {
        if !sink.issues.isEmpty { throw ConfigError(issues: issues) }
    }

    func add(_ issue: ConfigIssue) { sink.add(issue) }

    func quoted(_ text: String) -> String { quote + text + quote }
}

/// Shared by every node of one document (values are copied, the list is not).
private final class IssueSink {
    var issues: [ConfigIssue] = []
    func add(_ issue: ConfigIssue) { issues.append(issue) }
}
