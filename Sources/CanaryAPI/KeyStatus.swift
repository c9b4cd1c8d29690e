/// One agent key of the coordinator's allow-list as `GET /api/v1/keys`
/// shows it: what it is bound to, the agents it speaks for, and what it had
/// refused. Keys are named by fingerprint (the first 8 bytes of the public
/// key, hex); the public key is public, the secret never leaves the agent.
public struct KeyStatus: Codable, Sendable, Equatable {
    public var fingerprint: String
    public var publicKey: String
    public var name: String
    /// Agent id or pattern, model and versions the key may report for.
    public var agent: String
    public var model: String
    public var versions: [String]
    /// Where the entry is ("file:line"); empty for a key no longer on the list.
    public var source: String
    /// Still on the allow-list (false: revoked while connected).
    public var allowed: Bool
    /// Agent ids it speaks for now.
    public var agents: [String]
    public var messagesAccepted: UInt64
    /// Messages refused because they claimed what the key is not bound to, by reason.
    public var rejectedByReason: [String: UInt64]
    /// Agents evicted to make room for a new one (the per-key limit).
    public var agentsEvicted: UInt64

    public init(fingerprint: String, publicKey: String, name: String, agent: String, model: String, versions: [String],
                source: String, allowed: Bool, agents: [String], messagesAccepted: UInt64,
                rejectedByReason: [String: UInt64], agentsEvicted: UInt64) {
        self.fingerprint = fingerprint
        self.publicKey = publicKey
        self.name = name
        self.agent = agent
        self.model = model
        self.versions = versions
        self.source = source
        self.allowed = allowed
        self.agents = agents
        self.messagesAccepted = messagesAccepted
        self.rejectedByReason = rejectedByReason
        self.agentsEvicted = agentsEvicted
    }
}

/// `GET /api/v1/keys`: whether CURVE is on, every key, and the handshakes
/// refused (keys not on the list) by fingerprint.
public struct KeysDocument: Codable, Sendable, Equatable {
    public var curve: Bool
    public var allowList: String?
    public var keys: [KeyStatus]
    public var deniedHandshakes: [String: UInt64]
    public var allowListIssues: [String]

    public init(curve: Bool, allowList: String?, keys: [KeyStatus], deniedHandshakes: [String: UInt64], allowListIssues: [String]) {
        self.curve = curve
        self.allowList = allowList
        self.keys = keys
        self.deniedHandshakes = deniedHandshakes
        self.allowListIssues = allowListIssues
    }
}
