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
    /// Agent id → the epochs it used and the key of each: an (agent, epoch)
    /// belongs to one key for good, so another key can never write into its
    /// de-duplication marks, live or stale. The newest few per agent.
    private(set) var epochKeys: [String: [(epoch: UInt64, key: String)]] = [:]
    static let epochsKept = 16

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
            if owners[oldest.key] == key {
                owners[oldest.key] = nil
                epochKeys[oldest.key] = nil
            }
            evicted = oldest.key
        }
        if let previous = owners[agentID], previous != key { records[previous]?.agents[agentID] = nil }
        owners[agentID] = key
        record.agents[agentID] = nowMs
        record.accepted += 1
        return evicted.map { .admittedEvicting($0) } ?? .admitted
    }

    /// The key that first spoke for (agent, epoch), if another than `key`;
    /// otherwise records `key` as its key and returns nil.
    mutating func claim(agentID: String, epoch: UInt64, key: String) -> String? {
        guard epoch != 0 else { return nil }  // snapshot requests carry none
        var epochs = epochKeys[agentID] ?? []
        if let known = epochs.first(where: { $0.epoch == epoch }) { return known.key == key ? nil : known.key }
        epochs.append((epoch, key))
        if epochs.count > Self.epochsKept { epochs.removeFirst(epochs.count - Self.epochsKept) }
        epochKeys[agentID] = epochs
        return nil
    }

    /// Whether `key` may use (agent, epoch) without claiming it (read only).
    func epochKey(agentID: String, epoch: UInt64) -> String? {
        epochKeys[agentID]?.first { $0.epoch == epoch }?.key
    }

    mutating func reject(key: String, reason: String) {
        records[key, default: Record()].rejected[reason, default: 0] += 1
    }

    func owner(of agentID: String) -> String? { owners[agentID] }
}
