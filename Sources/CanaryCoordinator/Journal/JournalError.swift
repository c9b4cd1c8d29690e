/// A journal operation that failed, with the database path and the step.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let underlying: String

    public init(path: String, operation: String, underlying: any Error) {
        self.path = path
        self.operation = operation
        self.underlying = String(describing: underlying)
    }

    public var description: String {
        "journal \(path): \(operation) failed: \(underlying)"
    }
}
