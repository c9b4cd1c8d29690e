import GRDB

/// A journal operation that failed, with the database path and the step.
public struct JournalError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let operation: String
    public let underlying: String
    /// What kind of failure, from SQLite's primary result code: `disk_full`,
    /// `io_error`, `read_only`, `busy`, `corrupt`, `cannot_open` or `other`
    /// (the `cause` of `/healthz`, the metric label, the webhook).
    public let cause: String

    public init(path: String, operation: String, underlying: any Error) {
        self.path = path
        self.operation = operation
        self.underlying = String(describing: underlying)
        cause = Self.cause(of: underlying)
    }

    public var description: String {
        "journal \(path): \(operation) failed: \(underlying)"
    }

    static func cause(of error: any Error) -> String {
        guard let database = error as? DatabaseError else { return "other" }
        switch database.resultCode.primaryResultCode {
        case .SQLITE_FULL: return "disk_full"
        case .SQLITE_IOERR: return "io_error"
        case .SQLITE_READONLY: return "read_only"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "busy"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return "corrupt"
        case .SQLITE_CANTOPEN: return "cannot_open"
        default: return "other"
        }
    }
}
