import CanaryAPI
import CanaryWire

/// The agents the coordinator has heard from, their liveness, and which of
/// their windows have been counted.
///
/// Pure bookkeeping (the caller passes the time), so the rules — stale after
/// the timeout, live again on any message, each (agent, epoch, sequence)
/// counted once — are tested without sockets.
public struct Fleet: Sendable {
    public struct Transition: Sendable, Equatable {
        public let agentID: String
        public let stale: Bool
    }

    public let staleAfterMs: Int64
    public private(set) var agents: [String: AgentStatus] = [:]
    /// Counted window sequences per (agent id, epoch).
    private var counted: [AgentEpoch: SequenceSet] = [:]
    /// Marks changed since the last `takeChangedMarks()`, for the journal.
    private var changedMarks: Set<AgentEpoch> = []

    public struct AgentEpoch: Hashable, Sendable {
        public let agentID: String
        public let epoch: UInt64
    }

    public init(staleAfterMs: Int64) {
        self.staleAfterMs = staleAfterMs
    }

    /// Restores the de-duplication marks from the journal after a restart.
    public mutating func restore(marks: [(agentID: String, epoch: UInt64, set: SequenceSet)]) {
        for mark in marks {
            counted[AgentEpoch(agentID: mark.agentID, epoch: mark.epoch)] = mark.set
        }
    }

    /// Any message from an agent: it is live. Returns a transition when it
    /// was stale before.
    @discardableResult
    public mutating func touch(_ agentID: String, nowMs: Int64) -> Transition? {
        var status = agents[agentID] ?? AgentStatus(agentID: agentID, nowMs: nowMs)
        let wasStale = status.stale
        status.lastSeenMs = max(status.lastSeenMs, nowMs)
        status.stale = false
        agents[agentID] = status
        return wasStale ? Transition(agentID: agentID, stale: false) : nil
    }

    @discardableResult
    public mutating func hello(_ hello: Canary_V1_Hello, nowMs: Int64) -> Transition? {
        let transition = touch(hello.agentID, nowMs: nowMs)
        agents[hello.agentID]?.host = hello.host
        agents[hello.agentID]?.model = hello.model
        agents[hello.agentID]?.version = hello.version
        agents[hello.agentID]?.role = hello.role.name
        agents[hello.agentID]?.agentEpoch = hello.agentEpoch
        agents[hello.agentID]?.configDigest = hello.configDigest
        agents[hello.agentID]?.softwareVersion = hello.softwareVersion
        return transition
    }

    @discardableResult
    public mutating func heartbeat(_ beat: Canary_V1_Heartbeat, nowMs: Int64) -> Transition? {
        let transition = touch(beat.agentID, nowMs: nowMs)
        agents[beat.agentID]?.agentEpoch = beat.agentEpoch
        agents[beat.agentID]?.unackedWindows = beat.unackedWindows
        agents[beat.agentID]?.routeSequence = beat.routeSequence
        agents[beat.agentID]?.ringLostTotal = beat.ringLostTotal
        agents[beat.agentID]?.ringOverrunTotal = beat.ringOverrunTotal
        agents[beat.agentID]?.windowsDroppedTotal = beat.windowsDroppedTotal
        agents[beat.agentID]?.healthy = beat.unhealthyReason.isEmpty
        agents[beat.agentID]?.unhealthyReason = beat.unhealthyReason.isEmpty ? nil : String(beat.unhealthyReason.prefix(512))
        agents[beat.agentID]?.ringFaultsTotal = beat.ringFaultsTotal
        agents[beat.agentID]?.routePageRestoresTotal = beat.routePageRestoresTotal
        return transition
    }

    /// Whether this window has been counted before.
    public func isDuplicate(agentID: String, epoch: UInt64, sequence: UInt64) -> Bool {
        counted[AgentEpoch(agentID: agentID, epoch: epoch)]?.contains(sequence) ?? false
    }

    /// Marks a window counted; returns false (and counts a duplicate) when it was already.
    public mutating func count(agentID: String, epoch: UInt64, sequence: UInt64, endMs: Int64, nowMs: Int64) -> Bool {
        let key = AgentEpoch(agentID: agentID, epoch: epoch)
        var set = counted[key] ?? SequenceSet()
        guard set.insert(sequence) else {
            agents[agentID]?.windowsDuplicate += 1
            return false
        }
        counted[key] = set
        changedMarks.insert(key)
        if var status = agents[agentID] {
            status.windowsCounted += 1
            status.lastWindowReceivedMs = nowMs
            status.lastWindowEndMs = max(status.lastWindowEndMs ?? endMs, endMs)
            // A restarted agent has a newer epoch; resends of the old one do not count as its identity.
            if epoch > status.agentEpoch { status.agentEpoch = epoch }
            agents[agentID] = status
        }
        return true
    }

    public mutating func countRejected(agentID: String) {
        agents[agentID]?.windowsRejected += 1
    }

    /// Forgets an agent's status (evicted to make room for another of its
    /// key). Its counted marks stay, so its resends are still recognised.
    public mutating func forget(_ agentID: String) {
        agents[agentID] = nil
    }

    /// Marks agents silent for longer than the timeout as stale.
    public mutating func sweep(nowMs: Int64) -> [Transition] {
        var transitions: [Transition] = []
        for (id, status) in agents where !status.stale && nowMs - status.lastSeenMs > staleAfterMs {
            agents[id]?.stale = true
            transitions.append(Transition(agentID: id, stale: true))
        }
        return transitions.sorted { $0.agentID < $1.agentID }
    }

    public func isLive(_ agentID: String) -> Bool {
        agents[agentID].map { !$0.stale } ?? false
    }

    /// The marks changed since the last call, for the journal batch.
    public mutating func takeChangedMarks() -> [(agentID: String, epoch: UInt64, set: SequenceSet)] {
        defer { changedMarks.removeAll() }
        return changedMarks.compactMap { key in
            counted[key].map { (key.agentID, key.epoch, $0) }
        }
    }
}
