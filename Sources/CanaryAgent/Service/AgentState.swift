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
    /// Whether Hello reached the socket since start or the last silence.
    private(set) var introduced = false

    func setIntroduced(_ value: Bool) { introduced = value }

    init(builder: WindowBuilder, unackedCapacity: Int, health: AgentHealth, timeoutMs: Int64, nowMs: Int64) {
        self.builder = builder
        self.unacked = UnackedWindows(capacity: unackedCapacity)
        var health = health
        // The coordinator gets one timeout from our start before we call it silent.
        health.lastHeardMs = nowMs
        self.health = health
        self.timeoutMs = timeoutMs
    }

    /// Adds drained samples; returns the windows they closed.
    func add(_ samples: [Sample], lost: UInt64, overrun: UInt64, malformed: UInt64) -> [Window] {
        health.samplesRead &+= UInt64(samples.count)
        health.ringLost &+= lost
        health.ringOverrun &+= overrun
        health.malformedRecords &+= malformed
        if lost + malformed > 0 || overrun > 0 { builder.recordRingLoss(lost: lost &+ malformed, overrun: overrun) }
        var closed: [Window] = []
        for sample in samples { closed += builder.add(sample) }
        return closed
    }

    func flush(nowMs: Int64) -> [Window] { builder.flush(nowMs: nowMs) }
    func finish() -> [Window] { builder.finish() }

    /// Records a window about to be sent; returns the sequence of a window
    /// dropped because the buffer was full, if any.
    func track(_ window: Window, frames: [[UInt8]], nowMs: Int64) -> UInt64? {
        health.windowsSent += 1
        let dropped = unacked.append(sequence: window.sequence, payload: frames, sentMs: nowMs)
        health.windowsDropped = unacked.droppedTotal
        health.unacked = unacked.count
        return dropped
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
        if unacked.acknowledge(sequence) {
            if rejected { health.windowsRejected += 1 } else { health.windowsAcked += 1 }
        }
        health.unacked = unacked.count
    }

    func resendDue(nowMs: Int64, olderThanMs: Int64) -> [[[UInt8]]] {
        unacked.takeForResend(nowMs: nowMs, olderThanMs: olderThanMs).map(\.payload)
    }

    func receiveTable(_ table: Canary_V1_RouteTable) -> RouteTableFollower.Action {
        follower.receive(epoch: table.epoch, sequence: table.sequence)
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
        return beat
    }
}
