import CanaryAPI
import CanaryConfig
import CanaryWire

/// The agents the coordinator has heard from, their liveness, and which of
/// their windows have been counted.
///
/// Pure bookkeeping (the caller passes the time), so the rules — stale after
/// the timeout, live again on any message, forgotten after `forgetAfterMs`
/// of silence or at a goodbye (Fleet+Departures.swift), one live process per
/// agent id (Fleet+Identity.swift), each (agent, epoch, sequence) counted
/// once — are tested without sockets. Silence is measured on the run clock
/// (a stopped coordinator or a wall-clock jump makes no agent stale); the
/// statuses show wall-clock times.
public struct Fleet: Sendable {
    public struct Transition: Sendable, Equatable {
        public let agentID: String
        public let stale: Bool
    }

    /// The counted sequences of one agent epoch, as journaled; an epoch that
    /// said goodbye also carries the last sequence it sent.
    public struct Mark: Sendable, Equatable {
        public let agentID: String
        public let epoch: UInt64
        public let set: SequenceSet
        public let departedThrough: UInt64?

        public init(agentID: String, epoch: UInt64, set: SequenceSet, departedThrough: UInt64? = nil) {
            self.agentID = agentID
            self.epoch = epoch
            self.set = set
            self.departedThrough = departedThrough
        }
    }

    public let staleAfterMs: Int64
    /// An agent silent this long leaves the fleet (its marks stay).
    public let forgetAfterMs: Int64
    /// At most this many agents are kept; past it the ones silent for
    /// longest are evicted (with their marks), a batch at a time.
    public let maxAgents: Int
    /// Epochs whose marks are kept per agent: a restarted agent's old epochs
    /// only have resends in flight (its successor resends what it spooled),
    /// so a few suffice.
    public static let maxEpochsPerAgent = 4
    public internal(set) var agents: [String: AgentStatus] = [:]
    /// When each agent was last heard from, on the run clock.
    var lastSeenRunMs: [String: Int64] = [:]
    /// Counted window sequences per (agent id, epoch).
    var counted: [AgentEpoch: SequenceSet] = [:]
    /// The epochs with marks, per agent id (to evict them with the agent).
    var epochs: [String: Set<UInt64>] = [:]
    /// Epochs that said goodbye, with the last sequence each sent: a window
    /// numbered above it is refused. Kept (and journaled) with the marks.
    var departedThrough: [AgentEpoch: UInt64] = [:]
    /// The processes speaking under each live agent id (Fleet+Identity.swift).
    var identities: [String: AgentIdentity] = [:]
    /// When the agents whose marks outlive their status left (run clock):
    /// the oldest such marks go first past `maxAgents` ids.
    var orphanedRunMs: [String: Int64] = [:]
    /// Marks changed since the last `takeChangedMarks()`, for the journal.
    var changedMarks: Set<AgentEpoch> = []
    /// Marks dropped since the last `takeForgottenMarks()`, for the journal.
    var forgottenMarks: Set<AgentEpoch> = []
    /// Agents evicted since the fleet began (a counter).
    public private(set) var evictedAgents: UInt64 = 0
    /// Ids evicted since the last `takeEvictedAgents()`, for the log.
    private var recentlyEvicted: [String] = []

    public struct AgentEpoch: Hashable, Sendable {
        public let agentID: String
        public let epoch: UInt64
    }

    public init(staleAfterMs: Int64, forgetAfterMs: Int64 = CoordinatorConfig().forgetAfterMs,
                maxAgents: Int = FleetLimits().maxAgents) {
        self.staleAfterMs = staleAfterMs
        self.forgetAfterMs = max(forgetAfterMs, staleAfterMs)
        self.maxAgents = max(1, maxAgents)
    }

    /// Restores the de-duplication marks from the journal after a restart
    /// (newest first: at most the marks the limits keep are restored).
    public mutating func restore(marks: [Mark]) {
        for mark in marks.prefix(maxAgents * Self.maxEpochsPerAgent) {
            guard (epochs[mark.agentID]?.count ?? 0) < Self.maxEpochsPerAgent else { continue }
            let key = AgentEpoch(agentID: mark.agentID, epoch: mark.epoch)
            counted[key] = mark.set
            departedThrough[key] = mark.departedThrough
            epochs[mark.agentID, default: []].insert(mark.epoch)
        }
    }

    /// The highest sequence below which every window of this agent epoch was counted.
    public func contiguous(agentID: String, epoch: UInt64) -> UInt64 {
        counted[AgentEpoch(agentID: agentID, epoch: epoch)]?.contiguous ?? 0
    }

    /// Any message from an agent: it is live. Returns a transition when it
    /// was stale before.
    @discardableResult
    public mutating func touch(_ agentID: String, now: Moment) -> Transition? {
        if agents[agentID] == nil, agents.count >= maxAgents { evictSilentAgents() }
        orphanedRunMs[agentID] = nil
        var status = agents[agentID] ?? AgentStatus(agentID: agentID, nowMs: now.wallMs)
        let wasStale = status.stale
        status.lastSeenMs = now.wallMs
        status.stale = false
        agents[agentID] = status
        lastSeenRunMs[agentID] = max(lastSeenRunMs[agentID] ?? now.runMs, now.runMs)
        return wasStale ? Transition(agentID: agentID, stale: false) : nil
    }

    @discardableResult
    public mutating func hello(_ hello: Canary_V1_Hello, now: Moment) -> Transition? {
        let transition = touch(hello.agentID, now: now)
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
    public mutating func heartbeat(_ beat: Canary_V1_Heartbeat, now: Moment) -> Transition? {
        let transition = touch(beat.agentID, now: now)
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

    /// Marks a window counted; returns false (and counts a duplicate) when
    /// it was already. The agent's own counts follow the commit
    /// (``noteCounted(agentID:epoch:endMs:nowMs:)``).
    public mutating func count(agentID: String, epoch: UInt64, sequence: UInt64) -> Bool {
        let key = AgentEpoch(agentID: agentID, epoch: epoch)
        var set = counted[key] ?? SequenceSet()
        guard set.insert(sequence) else {
            agents[agentID]?.windowsDuplicate += 1
            return false
        }
        counted[key] = set
        changedMarks.insert(key)
        forgottenMarks.remove(key)
        var known = epochs[agentID] ?? []
        known.insert(epoch)
        // The oldest epoch other than this one goes: a successor resending its
        // predecessor's spooled windows counts an old epoch after newer ones,
        // and forgetting the marks it just wrote would count a resend twice.
        while known.count > Self.maxEpochsPerAgent, let oldest = known.subtracting([epoch]).min() {
            known.remove(oldest)
            forget(AgentEpoch(agentID: agentID, epoch: oldest))
        }
        epochs[agentID] = known
        return true
    }

    /// A window marked by ``count(agentID:epoch:sequence:)`` whose step committed.
    public mutating func noteCounted(agentID: String, epoch: UInt64, endMs: Int64, nowMs: Int64) {
        guard var status = agents[agentID] else { return }
        status.windowsCounted += 1
        status.lastWindowReceivedMs = nowMs
        status.lastWindowEndMs = max(status.lastWindowEndMs ?? endMs, endMs)
        // A restarted agent has a newer epoch; resends of the old one do not count as its identity.
        if epoch > status.agentEpoch { status.agentEpoch = epoch }
        agents[agentID] = status
    }

    /// Replaces every de-duplication mark with the journal's, after a
    /// commit failed: marks of windows it did not count must not make
    /// their resends look like duplicates. Agents' statuses stay.
    public mutating func resetMarks(to marks: [Mark]) {
        counted.removeAll()
        epochs.removeAll()
        departedThrough.removeAll()
        changedMarks.removeAll()
        forgottenMarks.removeAll()
        restore(marks: marks)
    }

    public mutating func countRejected(agentID: String) {
        agents[agentID]?.windowsRejected += 1
    }

    /// Forgets an agent's status (evicted to make room for another of its
    /// key, silent past `forgetAfterMs`, said goodbye, removed by an
    /// operator). Its counted marks stay, so its resends are still
    /// recognised; past `maxAgents` such ids the oldest marks go.
    public mutating func forget(_ agentID: String, runMs: Int64 = 0) {
        if epochs[agentID] != nil { orphanedRunMs[agentID] = lastSeenRunMs[agentID] ?? runMs }
        agents[agentID] = nil
        lastSeenRunMs[agentID] = nil
        identities[agentID] = nil
        trimOrphanedMarks()
    }

    /// Marks agents silent for longer than the timeout (on the run clock) as stale.
    public mutating func sweep(runMs: Int64) -> [Transition] {
        var transitions: [Transition] = []
        for (id, status) in agents where !status.stale && runMs - (lastSeenRunMs[id] ?? runMs) > staleAfterMs {
            agents[id]?.stale = true
            transitions.append(Transition(agentID: id, stale: true))
        }
        return transitions.sorted { $0.agentID < $1.agentID }
    }

    public func isLive(_ agentID: String) -> Bool {
        agents[agentID].map { !$0.stale } ?? false
    }

    /// Evicts the agents silent for longest — 5 % of the limit at once, so a
    /// flood of new ids costs one sort per limit/20 ids, not one per id.
    /// Stale agents go first, then live ones that never had a window
    /// counted (a forged hello), and only then agents that report: a flood
    /// of made-up ids cannot push out the real fleet. Their marks stay until
    /// ``trimOrphanedMarks()`` needs the room: an agent evicted while a flood
    /// kept its messages queued past the stale timeout resends what was
    /// already counted, and must not have it counted twice.
    private mutating func evictSilentAgents() {
        let batch = max(1, maxAgents / 20)
        // Sort small keys, not the statuses themselves.
        let keys = agents.values.map { status in
            (rank: status.stale ? 0 : status.lastWindowReceivedMs == nil ? 1 : 2, lastSeen: lastSeenRunMs[status.agentID] ?? 0, id: status.agentID)
        }
        let oldest = keys.sorted { ($0.rank, $0.lastSeen, $0.id) < ($1.rank, $1.lastSeen, $1.id) }.prefix(batch)
        for key in oldest {
            agents[key.id] = nil
            lastSeenRunMs[key.id] = nil
            identities[key.id] = nil
            if epochs[key.id] != nil { orphanedRunMs[key.id] = key.lastSeen }
            evictedAgents += 1
            if recentlyEvicted.count < 16 { recentlyEvicted.append(key.id) }
        }
        trimOrphanedMarks()
    }

    mutating func forget(_ key: AgentEpoch) {
        counted[key] = nil
        departedThrough[key] = nil
        changedMarks.remove(key)
        forgottenMarks.insert(key)
    }

    /// Up to 16 of the ids evicted since the last call (for one log line).
    public mutating func takeEvictedAgents() -> [String] {
        defer { recentlyEvicted.removeAll() }
        return recentlyEvicted
    }

    /// The marks dropped since the last call, to delete from the journal.
    public mutating func takeForgottenMarks() -> [(agentID: String, epoch: UInt64)] {
        defer { forgottenMarks.removeAll() }
        return forgottenMarks.map { ($0.agentID, $0.epoch) }
    }

    /// The marks changed since the last call, for the journal batch.
    public mutating func takeChangedMarks() -> [Mark] {
        defer { changedMarks.removeAll() }
        return changedMarks.compactMap { key in
            counted[key].map { Mark(agentID: key.agentID, epoch: key.epoch, set: $0, departedThrough: departedThrough[key]) }
        }
    }
}
