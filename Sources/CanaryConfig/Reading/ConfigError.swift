import CanaryCore

/// One thing wrong with a file, located in it: the same value plans report
/// (`PlanIssue`), so every file kind prints its issues alike.
public typealias ConfigIssue = PlanIssue

/// A configuration file that could not be accepted: every issue found, in
/// file order (not just the first).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// A file-level problem (unreadable, empty) without a position.
    public init(file: String, line: Int = 0, column: Int = 0, message: String) {
        issues = [ConfigIssue(file: file, line: line, column: column, message: message)]
    }

    // The first issue's location, for callers that show one.
    public var file: String { issues.first?.file ?? "" }
    public var line: Int { issues.first?.line ?? 0 }
    public var column: Int { issues.first?.column ?? 0 }
    public var message: String { issues.first?.message ?? "" }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
