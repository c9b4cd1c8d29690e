import CanaryAPI
import CanaryCore
import CanaryShm
import CanaryWire

/// The agent's mutable state behind one actor: the label join, the window
/// builder, the unacked buffer, the route-table follower and the health
/// counters.
actor AgentState {
    var builder: WindowBuilder
    /// Joins late labels to the predictions read before them.
    private var labels: LabelJoin
    var unacked: UnackedWindows<[[UInt8]]>
    /// Why the spool cannot keep windows durably right now (nil: it can).
    var spoolFault: String?
    var follower = RouteTableFollower()
    var health: AgentHealth
    let timeoutMs: Int64
    /// How long a recovered ring fault keeps the agent unhealthy.
    let ringFaultHoldMs: Int64
    /// Why the route page is corrupt while there is no table to restore it with.
    var routePageUnrestorable: String?
    /// Whether Hello reached the socket since start or the last silence.
    private(set) var introduced = false
    /// Why the coordinator refuses this agent as a duplicate of another
    /// live process under its id (nil: it does not).
    var duplicateRefusal: String?

    /// Whether the hello went out; when it just did, returns the windows
    /// that waited for it (marked sent now), to be sent right after it.
    func setIntroduced(_ value: Bool, nowMs: Int64) -> [[[UInt8]]] {
        let first = value && !introduced
        introduced = value
        return first ? unacked.takeUnsent(nowMs: nowMs).map(\.payload) : []
    }

    init(builder: WindowBuilder, labels: LabelJoin, unackedCapacity: Int, unackedMaxBytes: Int = .max, health: AgentHealth,
         timeoutMs: Int64, nowMs: Int64, ringFaultHoldMs: Int64 = 10_000) {
        self.ringFaultHoldMs = ringFaultHoldMs
        self.builder = builder
        self.labels = labels
        self.unacked = UnackedWindows(capacity: unackedCapacity, maxBytes: unackedMaxBytes)
        var health = health
        // The coordinator gets one timeout from our start before we call it silent.
        health.lastHeardMs = nowMs
        self.health = health
        self.timeoutMs = timeoutMs
    }

    /// A closed window and the ring position just past its last record.
    struct ClosedWindow {
        let window: Window
        let ringEnd: UInt64
        var key: WindowKey { WindowKey(epoch: window.agentEpoch, sequence: window.sequence) }
    }

    /// Ring position of the records consumed so far.
    private var consumedPosition: UInt64 = 0
    /// Start and end ring positions of each unacked window of this ring.
    private var windowSpans: [WindowKey: (start: UInt64, end: UInt64)] = [:]
    /// End position of the last window tracked: the next one starts here.
    private(set) var lastSpanEnd: UInt64 = 0
    /// Predecessor windows dropped before they reached the buffer (more in the spool than it holds).
    private var droppedBeforeStart: UInt64 = 0

    /// Where the ring's reader stood when this agent attached.
    func attached(atPosition position: UInt64) {
        consumedPosition = position
        lastSpanEnd = position
    }

    /// Adds a drained batch that ends at ring position `positionAfter`;
    /// returns the windows it closed.
    func add(_ samples: [Sample], lost: UInt64, overrun: UInt64, malformed: UInt64, positionAfter: UInt64) -> [ClosedWindow] {
        health.samplesRead &+= UInt64(samples.count)
        health.ringLost &+= lost
        health.ringOverrun &+= overrun
        health.malformedRecords &+= malformed
        if lost + malformed > 0 || overrun > 0 { builder.recordRingLoss(lost: lost &+ malformed, overrun: overrun) }
        // Losses are booked at the batch start, samples in order after them.
        // Late records (passed while their writer was mid-record, delivered
        // first) sit below the previous position: no span ends before it.
        let firstSample = positionAfter &- UInt64(samples.count)
        var closed: [ClosedWindow] = []
        for (index, sample) in samples.enumerated() {
            // Windows closed by a sample end just before it.
            let end = max(consumedPosition, firstSample &+ UInt64(index))
            let joined = labels.pass(sample)
            if joined.kind == .outcome, joined.isCorrect == nil { health.outcomesUnmatched &+= 1 }
            closed += builder.add(joined).map { ClosedWindow(window: $0, ringEnd: end) }
        }
        consumedPosition = positionAfter
        health.predictionsDropped = builder.droppedPredictions
        health.labelsPending = labels.pendingCount
        health.labelsMatched = labels.matched
        health.labelsEvicted = labels.evicted
        health.labelsExpired = labels.expired
        return closed
    }

    func flush(nowMs: Int64) -> [ClosedWindow] { closeAll(builder.flush(nowMs: nowMs)) }
    func finish() -> [ClosedWindow] { closeAll(builder.finish()) }

    private func closeAll(_ windows: [Window]) -> [ClosedWindow] {
        windows.map { ClosedWindow(window: $0, ringEnd: consumedPosition) }
    }

    /// The position up to which everything consumed is acknowledged (or
    /// dropped, counted): the start of the oldest unacked window, or the end
    /// of the last window tracked. Unacked windows are the spool's to keep:
    /// a successor credits those it finds there (``RingCheckpoint``).
    var acknowledgedPosition: UInt64 {
        windowSpans.values.map(\.start).min() ?? lastSpanEnd
    }

    /// Keeps a closed window until it is acked. Returns the windows dropped
    /// because the buffer was full, and whether to send it now: not before
    /// the hello went out (it then follows the hello).
    func track(_ closed: ClosedWindow, frames: [[UInt8]], nowMs: Int64) -> (dropped: [WindowKey], send: Bool) {
        health.windowsSent += 1
        // Windows are sent in order: each starts where the previous one ended.
        windowSpans[closed.key] = (start: lastSpanEnd, end: closed.ringEnd)
        lastSpanEnd = closed.ringEnd
        let dropped = unacked.append(closed.key, payload: frames, bytes: frames.reduce(0) { $0 + $1.count },
                                     sentMs: introduced ? nowMs : nil)
        for key in dropped { windowSpans[key] = nil }
        health.windowsDropped = unacked.droppedTotal + droppedBeforeStart
        health.unacked = unacked.count
        return (dropped, introduced)
    }

    /// Takes over the windows a predecessor left in the spool (oldest
    /// first): they wait for the hello like any unsent window, and until
    /// acked hold the checkpoint below their records past `accountedUpTo`
    /// (those of ring `ringCreatedNs`). Returns the windows dropped because
    /// they did not all fit.
    func adopt(_ windows: [SpooledWindow], ringCreatedNs: UInt64, accountedUpTo: UInt64, droppedAlready: Int) -> [WindowKey] {
        var dropped: [WindowKey] = []
        for window in windows {
            if window.ringCreatedNs == ringCreatedNs, window.ringEnd > accountedUpTo {
                windowSpans[window.key] = (start: max(window.ringStart, accountedUpTo), end: window.ringEnd)
            }
            dropped += unacked.append(window.key, payload: window.frames, bytes: window.frames.reduce(0) { $0 + $1.count },
                                      sentMs: nil)
        }
        for key in dropped { windowSpans[key] = nil }
        health.windowsRecovered += UInt64(windows.count - dropped.count)
        health.windowsDropped = unacked.droppedTotal + UInt64(droppedAlready)
        droppedBeforeStart = UInt64(droppedAlready)
        health.unacked = unacked.count
        return dropped
    }

    /// The spool could not be opened or a write failed; returns true when
    /// that is news (worth a log line: the first, or another cause).
    func spoolFailed(_ reason: String, write: Bool) -> Bool {
        if write { health.spoolWriteFailures += 1 }
        defer { spoolFault = reason }
        return spoolFault != reason
    }

    /// A window was written; returns true when that ends a failure.
    func spoolWorks() -> Bool {
        defer { spoolFault = nil }
        return spoolFault != nil
    }

    func spoolQuarantined(_ count: Int) {
        health.spoolQuarantined += UInt64(count)
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

    /// Returns whether the window was still waiting (its spool file can go).
    @discardableResult
    func acknowledge(_ key: WindowKey, rejected: Bool) -> Bool {
        windowSpans[key] = nil
        let waiting = unacked.acknowledge(key)
        if waiting {
            if rejected { health.windowsRejected += 1 } else { health.windowsAcked += 1 }
        }
        health.unacked = unacked.count
        return waiting
    }

    func resendDue(nowMs: Int64, olderThanMs: Int64) -> [[[UInt8]]] {
        let due = unacked.takeForResend(nowMs: nowMs, olderThanMs: olderThanMs).map(\.payload)
        health.windowsResent = unacked.resentTotal
        return due
    }

    func receiveTable(_ table: Canary_V1_RouteTable) -> RouteTableFollower.Action {
        follower.receive(epoch: table.epoch, incarnation: table.incarnation, sequence: table.sequence)
    }

    private var sharedPageNoted = false

    /// The route page is another agent's to write; true the first time (a log line).
    func noteSharedPage() -> Bool {
        defer { sharedPageNoted = true }
        return !sharedPageNoted
    }

    /// The writer lock was just taken: true if another agent had held it.
    func sharedPageTaken() -> Bool {
        defer { sharedPageNoted = false }
        return sharedPageNoted
    }

    /// The last table followed, as a route page holds it (what an agent
    /// that takes over a shared page writes).
    private(set) var lastTable: RouteTable?

    func applied(_ table: Canary_V1_RouteTable, page: RouteTable) {
        lastTable = page
        health.routeSequence = table.sequence
        health.routeTablesApplied += 1
    }

    /// The last message before the sockets close on a graceful stop.
    func goodbye(reason: String) -> Canary_V1_Goodbye {
        var bye = Canary_V1_Goodbye()
        bye.agentID = health.agentID
        bye.agentEpoch = health.agentEpoch
        bye.lastSequence = builder.nextSequence - 1
        bye.unackedWindows = UInt32(clamping: unacked.count)
        bye.reason = reason
        return bye
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
        beat.windowsDroppedTotal = unacked.droppedTotal + droppedBeforeStart
        let now = currentHealth(nowMs: nowMs)
        beat.unhealthyReason = now.unhealthyReason ?? ""
        beat.ringFaultsTotal = health.ringFaults
        beat.routePageRestoresTotal = health.routePageRestores
        return beat
    }
}
