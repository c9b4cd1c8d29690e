/// What the coordinator knows of one agent, as shown by `GET /api/v1/agents`
/// and the dashboard.
public struct AgentStatus: Codable, Sendable, Equatable {
    public var agentID: String
    public var host: String
    public var model: String
    public var version: String
    public var role: String
    public var agentEpoch: UInt64
    public var configDigest: String
    public var softwareVersion: String
    public var firstSeenMs: Int64
    /// Last message of any kind.
    public var lastSeenMs: Int64
    /// Receipt time and end time of the last window counted.
    public var lastWindowReceivedMs: Int64?
    public var lastWindowEndMs: Int64?
    public var windowsCounted: UInt64 = 0
    public var windowsDuplicate: UInt64 = 0
    public var windowsRejected: UInt64 = 0
    /// Cumulative ring loss the agent reported (heartbeats) or we summed (windows).
    public var ringLostTotal: UInt64 = 0
    public var ringOverrunTotal: UInt64 = 0
    public var windowsDroppedTotal: UInt64 = 0
    public var unackedWindows: UInt32 = 0
    /// Highest route table sequence the agent applied.
    public var routeSequence: UInt64 = 0
    /// No message for longer than the stale timeout: its windows are left
    /// out of decisions until it speaks again.
    public var stale: Bool = false
    /// Fingerprint of the CURVE key that speaks for the agent (nil without CURVE).
    public var keyFingerprint: String?
    /// What the agent says of itself (heartbeats): false with the reason
    /// while, e.g., its sample ring is corrupt.
    public var healthy: Bool = true
    public var unhealthyReason: String?
    public var ringFaultsTotal: UInt64 = 0
    public var routePageRestoresTotal: UInt64 = 0
    /// Another live process under this agent id (its epoch, host and ring),
    /// refused while this one is live: two agents configured with one id.
    public var duplicate: String?

    public init(agentID: String, host: String = "", model: String = "", version: String = "", role: String = "",
                agentEpoch: UInt64 = 0, configDigest: String = "", softwareVersion: String = "", nowMs: Int64) {
        self.agentID = agentID
        self.host = host
        self.model = model
        self.version = version
        self.role = role
        self.agentEpoch = agentEpoch
        self.configDigest = configDigest
        self.softwareVersion = softwareVersion
        self.firstSeenMs = nowMs
        self.lastSeenMs = nowMs
    }
}
