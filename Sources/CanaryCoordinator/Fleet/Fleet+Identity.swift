/// One live process per agent id. Two processes configured with the same
/// id (the same host and replica, say) would otherwise merge into one
/// fleet entry, one's silence hidden behind the other's messages. They are
/// told apart by their epochs, and told from a restart by interleaving: a
/// restarted agent's predecessor is silent once the new epoch said hello;
/// a duplicate is not. Only hellos and heartbeats count — windows of an
/// older epoch are what a successor resends from the spool.
extension Fleet {
    public enum IdentityVerdict: Sendable, Equatable {
        case accepted
        /// A message of an earlier epoch still in flight when its successor
        /// took the id over: acked, but not applied to the agent's status.
        case superseded
        /// Two live processes found now: `refused` (the newer) is refused
        /// from now on, `kept` (the one that had the id first) stays.
        case duplicateFound(refused: AgentIdentity.Speaker, kept: AgentIdentity.Speaker)
        /// A message of an epoch already refused while the other is live.
        case duplicate(refused: AgentIdentity.Speaker, kept: AgentIdentity.Speaker)
    }

    /// Messages of a predecessor this soon after its successor's hello are
    /// taken for ones in flight when it stopped, not for a live process
    /// (agents heartbeat every 500 ms: a live one speaks again past it).
    public static let duplicateGraceMs: Int64 = 1_000

    /// Judges a hello (with its host and ring) or a heartbeat of `epoch`.
    public mutating func identify(agentID: String, epoch: UInt64, host: String? = nil, ringName: String? = nil,
                                  routingID: [UInt8], runMs: Int64) -> IdentityVerdict {
        guard var identity = identities[agentID] else {
            identities[agentID] = AgentIdentity(.init(epoch: epoch, host: host ?? "", ringName: ringName ?? "",
                                                      firstRunMs: runMs, lastRunMs: runMs, routingID: routingID))
            return .accepted
        }
        defer { identities[agentID] = identity }
        let new = identity.heard(epoch: epoch, host: host, ringName: ringName, routingID: routingID, runMs: runMs)
        guard epoch != identity.owner, let speaker = identity.speakers[epoch] else {
            if epoch == identity.owner {
                let duplicate = liveDuplicate(identity, runMs: runMs)
                agents[agentID]?.duplicate = duplicate
            }
            return .accepted
        }
        let owner = identity.speakers[identity.owner]
        let ownerLive = owner.map { runMs - $0.lastRunMs <= staleAfterMs } ?? false
        if identity.refused.contains(epoch), let owner {
            if ownerLive { return .duplicate(refused: speaker, kept: owner) }
            identity.takeOver(epoch, runMs: runMs)
            return .accepted
        }
        // A new epoch is a restart; so is an earlier one speaking again
        // once the newer has gone silent (it stopped; the earlier runs).
        guard !new, ownerLive, let newer = owner else {
            identity.takeOver(epoch, runMs: runMs)
            return .accepted
        }
        if runMs - identity.ownerSinceRunMs < Self.duplicateGraceMs { return .superseded }
        identity.refuseOwner(keeping: epoch)
        // The status shows the process that keeps the id, not the newer one's hello.
        agents[agentID]?.agentEpoch = epoch
        if !speaker.host.isEmpty { agents[agentID]?.host = speaker.host }
        agents[agentID]?.duplicate = newer.description
        return .duplicateFound(refused: newer, kept: speaker)
    }

    /// Whether windows of this epoch are refused: another process holds the id.
    public func isRefusedDuplicate(agentID: String, epoch: UInt64) -> Bool {
        identities[agentID]?.refused.contains(epoch) ?? false
    }

    public func identity(of agentID: String) -> AgentIdentity? { identities[agentID] }

    /// The refused process still heard within the stale timeout, if any.
    private func liveDuplicate(_ identity: AgentIdentity, runMs: Int64) -> String? {
        identity.refused.compactMap { identity.speakers[$0] }.filter { runMs - $0.lastRunMs <= staleAfterMs }
            .min { $0.epoch < $1.epoch }?.description
    }
}
