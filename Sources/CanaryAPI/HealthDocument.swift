/// `GET /healthz`: what a supervisor or load balancer checks. Answered with
/// 200 and status "ok" while the journal commits, with 503 and status
/// "journal_unavailable" (the cause in `journal`) while it does not.
public struct HealthDocument: Codable, Sendable, Equatable {
    /// "ok", or "journal_unavailable" while the journal cannot commit.
    public var status: String
    public var epoch: UInt64
    public var agents: Int
    public var staleAgents: Int
    public var activeRollouts: Int
    /// SQLite's journal mode ("wal" normally), or "unknown" when it cannot be read.
    public var journalMode: String
    public var journal: JournalStatus

    public init(status: String, epoch: UInt64, agents: Int, staleAgents: Int, activeRollouts: Int, journalMode: String,
                journal: JournalStatus) {
        self.status = status
        self.epoch = epoch
        self.agents = agents
        self.staleAgents = staleAgents
        self.activeRollouts = activeRollouts
        self.journalMode = journalMode
        self.journal = journal
    }
}
