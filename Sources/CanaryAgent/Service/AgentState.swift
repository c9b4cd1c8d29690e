import CanaryAPI
import CanaryCore
import CanaryWire

/// The agent's mutable state behind one actor: the window builder, the
/// unacked buffer, the route-table follower and the health counters.
actor AgentState {
    var builder: WindowBuilder
    var unacked: UnackedWindows<[[UInt8]]>
    var follower = RouteTableFollower()
    var health: AgentHealth
    let timeoutMs: Int64
    /// How long a recovered ring fault keeps the agent unhealthy.
    let ringFaultHoldMs: Int64
    /// Why the route page is corrupt while there is no table to restore it with.
    var routePageUnrestorable: String?
    /// Whether Hello reached the socket since start or the last silence.
    private(set) var introduced = false

    /// Whether the hello went out; when it just did, returns the windows
    /// that waited for it (marked sent now), to be sent right after it.
    func setIntroduced(_ value: Bool, nowMs: Int64) -> [[[UInt8]]] {
        let first = value && !introduced
        introduced = value
        return first ? unacked.takeUnsent(nowMs: nowMs).map(\.payload) : []
    }

    init(builder: WindowBuilder, unackedCapacity: Int, health: AgentHealth, timeoutMs: Int64, nowMs: Int64,
         ringFaultHoldMs: Int64 = 10_000) {
        self.ringFaultHoldMs = ringFaultHoldMs
        self.builder = builder
        self.unacked = UnackedWindows(capacity: unackedCapacity)
        var health = health
        // The coordinator gets one timeout from our start before we call it silent.
        health.lastHeardMs = nowMs
        self.health = health
        self.timeoutMs = timeoutMs
    }

    /// Ring position up to which every consumed record is in a closed window.
    private var closedPosition: UInt64 = 0
    /// Ring position of the records consumed so far.
    private var consumedPosition: UInt64 = 0
    /// Start and end ring positions of each window sent and not yet acked.
    private var windowSpans: [UInt64: (start: UInt64, end: UInt64)] = [:]
    /// End position of the last window sent.
    private var lastSpanEnd: UInt64 = 0

    /// Where the ring's reader stood when this agent attached.
    func attached(atPosition position: UInt64) {
        closedPosition = position
        consumedPosition = position
        lastSpanEnd = position
    }

    /// Adds a drained batch that ends at ring position `positionAfter`;
    /// returns the windows it closed.
    func add(_ samples: [Sample], lost: UInt64, overrun: UInt64, malformed: UInt64, positionAfter: UInt64) -> [Window] {
        health.samplesRead &+= UInt64(samples.count)
        health.ringLost &+= lost
        health.ringOverrun &+= overrun
        health.malformedRecords &+= malformed
        if lost + malformed > 0 || overrun > 0 { builder.recordRingLoss(lost: lost &+ malformed, overrun: overrun) }
        // Losses are booked at the batch start, samples in order after them.
        let firstSample = positionAfter &- UInt64(samples.count)
        var closed: [Window] = []
        for (index, sample) in samples.enumerated() {
            let windows = builder.add(sample)
            if !windows.isEmpty {
                closed += windows
                closedPosition = firstSample &+ UInt64(index)
            }
        }
        consumedPosition = positionAfter
        health.predictionsDropped = builder.droppedPredictions
        return closed
    }

    func flush(nowMs: Int64) -> [Window] { closeAll(builder.flush(nowMs: nowMs)) }
    func finish() -> [Window] { closeAll(builder.finish()) }

    private func closeAll(_ windows: [Window]) -> [Window] {
        if !windows.isEmpty { closedPosition = consumedPosition }
        return windows
    }

    /// The position up to which everything consumed is acknowledged: the
    /// start of the oldest unacked window, or the end of the last closed one.
    var acknowledgedPosition: UInt64 {
        windowSpans.values.map(\.start).min() ?? closedPosition
    }

    /// Records a window about to be sent; returns the sequence of a window
    /// dropped because the buffer was full, if any.
    /// Keeps a closed window until it is acked; `send` says whether to send
    /// it now: not before the hello went out (it then follows the hello).
    func track(_ window: Window, frames: [[UInt8]], nowMs: Int64) -> (dropped: UInt64?, send: Bool) {
        health.windowsSent += 1
        // Windows are sent in order: each starts where the previous one ended.
        windowSpans[window.sequence] = (start: lastSpanEnd, end: closedPosition)
        lastSpanEnd = closedPosition
        let dropped = unacked.append(sequence: window.sequence, payload: frames, sentMs: introduced ? nowMs : nil)
        if let dropped { windowSpans[dropped] = nil }
        health.windowsDropped = unacked.droppedTotal
        health.unacked = unacked.count
        return (dropped, introduced)
    }

    /// Something arrived from the coordinator; returns true when it had
    /// been silent (the caller then says hello and resends what waits).
    func heard(nowMs: Int64) -> Bool {
        let wasSilent = health.coordinatorSilent
        health.lastHeardMs = nowMs
        health.coordinatorSilent = false
        return wasSilent
    }

    /// Whether the coordinator just became silent (for a single log line).
    func checkSilence(nowMs: Int64) -> Bool {
        guard !health.coordinatorSilent, nowMs - health.lastHeardMs > timeoutMs else { return false }
        health.coordinatorSilent = true
        return true
    }

    func acknowledge(_ sequence: UInt64, rejected: Bool) {
        windowSpans[sequence] = nil
        if unacked.acknowledge(sequence) {
            if rejected { health.windowsRejected += 1 } else { health.windowsAcked += 1 }
        }
        health.unacked = unacked.count
    }

    func resendDue(nowMs: Int64, olderThanMs: Int64) -> [[[UInt8]]] {
        let due = unacked.takeForResend(nowMs: nowMs, olderThanMs: olderThanMs).map(\.payload)
        health.windowsResent = unacked.resentTotal
        return due
    }

    func receiveTable(_ table: Canary_V1_RouteTable) -> RouteTableFollower.Action {
        follower.receive(epoch: table.epoch, incarnation: table.incarnation, sequence: table.sequence)
    }

    func applied(_ table: Canary_V1_RouteTable) {
        health.routeSequence = table.sequence
        health.routeTablesApplied += 1
    }

    func heartbeat(nowMs: Int64) -> Canary_V1_Heartbeat {
        var beat = Canary_V1_Heartbeat()
        beat.agentID = health.agentID
        beat.agentEpoch = health.agentEpoch
        beat.sentMs = nowMs
        beat.lastSequence = builder.nextSequence - 1
        beat.unackedWindows = UInt32(clamping: unacked.count)
        beat.routeSequence = follower.sequence
        beat.ringLostTotal = health.ringLost
        beat.ringOverrunTotal = health.ringOverrun
        beat.windowsDroppedTotal = unacked.droppedTotal
        let now = currentHealth(nowMs: nowMs)
        beat.unhealthyReason = now.unhealthyReason ?? ""
        beat.ringFaultsTotal = health.ringFaults
        beat.routePageRestoresTotal = health.routePageRestores
        return beat
    }
}
