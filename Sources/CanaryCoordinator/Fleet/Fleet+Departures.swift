import CanaryAPI
import CanaryCore
import CanaryWire

/// Agents leaving the fleet: silent for longer than `forgetAfterMs`, gone
/// with a goodbye, or removed by an operator. A stale agent is still
/// expected back (rollouts wait for it); a forgotten one is not: it is no
/// longer listed, and no rollout's stale list names it. Its marks stay, so
/// resends of windows it had counted are still recognised (a forgotten
/// agent that speaks again is simply new). The fleet is not journaled —
/// after a restart it is the agents that speak — so only the marks, with
/// a goodbye's last sequence, must be, and are (`departedThrough`).
extension Fleet {
    public enum DepartureReason: String, Sendable, CaseIterable {
        case silent, goodbye, `operator`
    }

    public struct Departure: Sendable, Equatable {
        public let status: AgentStatus
        public let reason: DepartureReason
    }

    /// Agents silent for longer than `forgetAfterMs` (run clock), removed.
    public mutating func forgetSilent(runMs: Int64) -> [Departure] {
        let silent = lastSeenRunMs.filter { runMs - $0.value > forgetAfterMs }.keys.sorted()
        return silent.compactMap { id in
            guard let status = agents[id] else { return nil }
            forget(id, runMs: runMs)
            return Departure(status: status, reason: .silent)
        }
    }

    /// An agent epoch said goodbye: it is marked departed through the last
    /// sequence it sent (journaled with its marks), and when it is the
    /// process the id belongs to, the agent leaves the fleet. A goodbye of
    /// another epoch (a refused duplicate, a predecessor) only ends that one.
    public mutating func goodbye(_ bye: Canary_V1_Goodbye, runMs: Int64) -> Departure? {
        let key = AgentEpoch(agentID: bye.agentID, epoch: bye.agentEpoch)
        if counted[key] == nil {
            counted[key] = SequenceSet()
            var known = epochs[bye.agentID] ?? []
            known.insert(bye.agentEpoch)
            while known.count > Self.maxEpochsPerAgent, let oldest = known.subtracting([bye.agentEpoch]).min() {
                known.remove(oldest)
                forget(AgentEpoch(agentID: bye.agentID, epoch: oldest))
            }
            epochs[bye.agentID] = known
        }
        departedThrough[key] = bye.lastSequence
        changedMarks.insert(key)
        forgottenMarks.remove(key)
        guard let status = agents[bye.agentID] else { return nil }
        let owner = identities[bye.agentID]?.owner ?? status.agentEpoch
        guard owner == bye.agentEpoch || owner == 0 else {
            identities[bye.agentID]?.leave(bye.agentEpoch)
            return nil
        }
        forget(bye.agentID, runMs: runMs)
        return Departure(status: status, reason: .goodbye)
    }

    /// An operator removes an agent; nil when the fleet does not know it.
    public mutating func remove(_ agentID: String, runMs: Int64) -> Departure? {
        guard let status = agents[agentID] else { return nil }
        forget(agentID, runMs: runMs)
        return Departure(status: status, reason: .operator)
    }

    /// The last sequence this epoch sent before its goodbye, if it said one.
    public func departed(agentID: String, epoch: UInt64) -> UInt64? {
        departedThrough[AgentEpoch(agentID: agentID, epoch: epoch)]
    }

    /// Whether a counted window may feed the rollouts: its agent is live,
    /// or its epoch left with a goodbye after sending it (what an agent sent
    /// before it stopped is evidence like any other).
    public func feedsDecisions(_ window: Window) -> Bool {
        if isLive(window.agentID) { return true }
        return departed(agentID: window.agentID, epoch: window.agentEpoch).map { window.sequence <= $0 } ?? false
    }

    /// Past twice `maxAgents` ids with marks, the marks of agents no longer
    /// in the fleet go (a batch at a time, like evictions): those with the
    /// fewest windows counted first — a flood of made-up ids counts one or
    /// none each, a real agent many — then those silent longest.
    mutating func trimOrphanedMarks() {
        guard epochs.count > 2 * maxAgents else { return }
        let orphans = epochs.filter { agents[$0.key] == nil }
            .map { id, known in
                (windows: known.reduce(0) { $0 &+ (counted[AgentEpoch(agentID: id, epoch: $1)].map { $0.contiguous &+ UInt64($0.above.count) } ?? 0) },
                 left: orphanedRunMs[id] ?? .min, id: id)
            }
            .sorted { ($0.windows, $0.left, $0.id) < ($1.windows, $1.left, $1.id) }
        for orphan in orphans.prefix(max(epochs.count - 2 * maxAgents, maxAgents / 20, 1)) {
            for epoch in epochs.removeValue(forKey: orphan.id) ?? [] {
                forget(AgentEpoch(agentID: orphan.id, epoch: epoch))
            }
            orphanedRunMs[orphan.id] = nil
        }
    }
}
