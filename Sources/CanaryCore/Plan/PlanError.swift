/// One thing wrong with a plan, located in its file.
public struct PlanIssue: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the position is unknown.
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int = 0, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// A plan that could not be accepted: every issue found, in file order.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [PlanIssue]

    public init(issues: [PlanIssue]) {
        self.issues = issues
    }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
