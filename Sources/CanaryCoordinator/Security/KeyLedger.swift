import CanaryAPI

/// What each allowed key has done on the wire: the agents it speaks for
/// (at most `agentsPerKey`), its refused messages by reason, the agents
/// evicted to make room. Also which key owns each agent id, so a second key
/// whose pattern happens to cover a live agent's id cannot speak for it.
///
/// Bounded: only keys that passed ZAP reach it, and each holds at most
/// `agentsPerKey` agents.
struct KeyLedger: Sendable {
    struct Record: Sendable {
        var agents: [String: Int64] = [:]
        var rejected: [String: UInt64] = [:]
        var evicted: UInt64 = 0
        var accepted: UInt64 = 0
    }

    let agentsPerKey: Int
    private(set) var records: [String: Record] = [:]
    /// Agent id → the public key that speaks for it.
    private(set) var owners: [String: String] = [:]

    init(agentsPerKey: Int) {
        self.agentsPerKey = agentsPerKey
    }

    enum Admission: Equatable {
        case admitted
        /// Admitted after evicting this agent (the key's longest silent, stale one).
        case admittedEvicting(String)
        /// The key already speaks for `agentsPerKey` live agents.
        case full
    }

    /// Records that `key` speaks for `agentID` now; `isStale` says whether
    /// an agent is stale (eviction takes only those).
    mutating func admit(agentID: String, key: String, nowMs: Int64, isStale: (String) -> Bool) -> Admission {
        var record = records[key] ?? Record()
        defer { records[key] = record }
        if record.agents[agentID] != nil {
            record.agents[agentID] = nowMs
            record.accepted += 1
            return .admitted
        }
        var evicted: String?
        if record.agents.count >= agentsPerKey {
            guard let oldest = record.agents.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }), isStale(oldest.key) else {
                return .full
            }
            record.agents[oldest.key] = nil
            record.evicted += 1
            if owners[oldest.key] == key { owners[oldest.key] = nil }
            evicted = oldest.key
        }
        if let previous = owners[agentID], previous != key { records[previous]?.agents[agentID] = nil }
        owners[agentID] = key
        record.agents[agentID] = nowMs
        record.accepted += 1
        return evicted.map { .admittedEvicting($0) } ?? .admitted
    }

    mutating func reject(key: String, reason: String) {
        records[key, default: Record()].rejected[reason, default: 0] += 1
    }

    func owner(of agentID: String) -> String? { owners[agentID] }
}
