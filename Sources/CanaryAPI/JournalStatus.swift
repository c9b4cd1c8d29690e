/// Whether the coordinator's journal commits: in `/healthz`, in the
/// `journal` event of the stream (the dashboard's banner) and in the
/// journal webhooks. While it does not, the coordinator decides nothing,
/// acks no new window and answers every command with 503
/// `journal_unavailable` (README, "What happens when things fail").
public struct JournalStatus: Codable, Sendable, Equatable {
    /// False from a failed commit until a commit succeeds again.
    public var healthy: Bool
    /// Why the last commit failed, while unhealthy: `disk_full`, `io_error`,
    /// `read_only`, `busy`, `corrupt`, `cannot_open` or `other`.
    public var cause: String?
    /// The failure as SQLite reported it, with the journal's path.
    public var message: String?
    /// When the journal stopped committing (ms since the epoch), while unhealthy.
    public var sinceMs: Int64?
    /// Commits that failed since the coordinator started.
    public var commitFailures: UInt64

    public init(healthy: Bool, cause: String? = nil, message: String? = nil, sinceMs: Int64? = nil, commitFailures: UInt64 = 0) {
        self.healthy = healthy
        self.cause = cause
        self.message = message
        self.sinceMs = sinceMs
        self.commitFailures = commitFailures
    }
}
