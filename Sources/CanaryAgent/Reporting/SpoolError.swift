/// What went wrong with the spool: the directory (cannot be made, opened
/// or locked), a write, or a file found there (corrupt or another agent's).
/// Never fatal: the agent logs it, shows it in its health and carries on —
/// without the spool's durability if the directory itself is the problem.
public struct SpoolError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The directory cannot be created, opened or used.
        case directory
        /// Another agent process holds the directory's lock.
        case locked
        /// A window could not be written durably.
        case write
        /// A file that is not an intact spool record (refused, quarantined).
        case corrupt
        /// An intact record of another agent, model or version (refused, quarantined).
        case foreign
    }

    public let code: Code
    /// The directory or file concerned.
    public let path: String
    public let reason: String

    public init(_ code: Code, path: String, _ reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    public var description: String {
        switch code {
        case .directory, .locked: "spool directory \(path): \(reason)"
        case .write: "spool file \(path) not written: \(reason)"
        case .corrupt, .foreign: "spool file \(path) refused: \(reason)"
        }
    }
}
