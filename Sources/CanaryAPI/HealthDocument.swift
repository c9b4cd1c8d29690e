/// `GET /healthz`: what a supervisor or load balancer checks.
public struct HealthDocument: Codable, Sendable, Equatable {
    /// Always "ok" when the coordinator answers at all.
    public var status: String
    public var epoch: UInt64
    public var agents: Int
    public var staleAgents: Int
    public var activeRollouts: Int
    /// SQLite's journal mode ("wal" normally), or "unknown" when it cannot be read.
    public var journalMode: String

    public init(status: String, epoch: UInt64, agents: Int, staleAgents: Int, activeRollouts: Int, journalMode: String) {
        self.status = status
        self.epoch = epoch
        self.agents = agents
        self.staleAgents = staleAgents
        self.activeRollouts = activeRollouts
        self.journalMode = journalMode
    }
}
