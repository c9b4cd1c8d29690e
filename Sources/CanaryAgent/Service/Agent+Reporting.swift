import CanaryConfig
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

/// Ring → windows → coordinator: the drain, the windows sent (acked,
/// resent), and the hello that comes before them.
extension Agent {
    /// Takes over what a previous agent of this ring left: its spooled
    /// windows are resent under their own keys; the records it consumed
    /// that neither its checkpoint nor those windows cover (its open
    /// window, a window it could not spool) are counted as lost. See
    /// ``RingCheckpoint`` and ``WindowSpool``.
    func resumeFromPredecessor() async {
        // The position is believed only after the header was audited (a
        // tail past head would count absurd losses).
        await noteRingFault(reader.audit())
        let position = reader.totals.position
        await state.attached(atPosition: position)
        let found = await openSpool()
        let ring = reader.createdNanoseconds
        let checkpoint = RingCheckpoint.load(ring: config.ringName).flatMap { $0.ringCreatedNs == ring ? $0 : nil }
        if let checkpoint {
            let spans = found.windows.filter { $0.ringCreatedNs == ring }.map { $0.ringStart..<$0.ringEnd }
            let lost = checkpoint.unaccounted(upTo: position, spooled: spans, watched: reader.lateTickets)
            if lost > 0 {
                _ = await state.add([], lost: lost, overrun: 0, malformed: 0, positionAfter: position)
                logger.warning("ring \(config.ringName): \(lost) samples read by the previous agent are in no window it had acknowledged or spooled (the window it had open when it stopped, or one it could not spool); counted as lost")
            }
        }
        let dropped = await state.adopt(found.windows, ringCreatedNs: ring, accountedUpTo: checkpoint?.position ?? position,
                                        droppedAlready: found.dropped.count)
        if !dropped.isEmpty { await forget(dropped) }
        if !found.windows.isEmpty {
            logger.notice("spool \(spool.directory): \(found.windows.count - dropped.count) unacked windows of the previous agent taken over; they are resent under their own epoch and sequence")
        }
        if found.dropped.count + dropped.count > 0 {
            logger.warning("spool \(spool.directory): \(found.dropped.count + dropped.count) of the previous agent's oldest windows dropped: more than unacked_capacity (\(config.unackedCapacity)) or spool.max_bytes (\(config.spoolMaxBytes))")
        }
        saveCheckpoint(position: await state.acknowledgedPosition)
    }

    /// Opens (and locks) the spool and reads what is in it; a spool that
    /// cannot be opened leaves the agent running without it, unhealthy.
    private func openSpool() async -> WindowSpool.Found {
        do {
            try spool.open()
        } catch {
            _ = await state.spoolFailed(error.description, write: false)
            logger.error("\(error); windows are kept in memory only: a restart of this agent loses its unacked windows")
            return WindowSpool.Found()
        }
        let found = spool.load(agentID: config.agentID, model: config.model, version: config.version, limit: config.unackedCapacity)
        for refusal in found.refused { logger.error("\(refusal); the agent carries on without it") }
        await state.spoolQuarantined(found.refused.count)
        return found
    }

    func saveCheckpoint(position: UInt64) {
        RingCheckpoint(ringCreatedNs: reader.createdNanoseconds, position: position).save(ring: config.ringName, mode: reader.mode)
    }

    func drainLoop(_ loop: SocketLoop) async throws {
        let pause = Duration.milliseconds(max(2, min(20, config.windowMs / 20)))
        while !Task.isCancelled {
            await drainOnce(loop)
            for window in await state.flush(nowMs: clock()) { await send(window, on: loop) }
            try await Task.sleep(for: pause)
        }
    }

    func drainOnce(_ loop: SocketLoop) async {
        while true {
            let (records, result) = reader.drain(maxCount: 8_192)
            var samples: [Sample] = []
            samples.reserveCapacity(records.count)
            var malformed: UInt64 = 0
            var implausible: UInt64 = 0
            let now = clock()
            for record in records {
                guard let sample = Sample(record: record) else { malformed += 1; continue }
                // A timestamp far from our clock would open a window the coordinator refuses.
                guard WindowBuilder.isPlausible(sample, nowMs: now) else { implausible += 1; continue }
                samples.append(sample)
            }
            if malformed > 0 {
                logger.warning("ring \(config.ringName): \(malformed) records with unknown kind or status were skipped (counted as lost)")
            }
            await noteRingFault(result)
            if result.faultStopsReading { return }
            if implausible > 0 {
                logger.warning("ring \(config.ringName): \(implausible) records with a timestamp more than 5 min ahead of or 24 h behind this host's clock were skipped (counted as lost)")
                malformed += implausible
            }
            let closed = await state.add(samples, lost: result.torn &+ result.abandoned, overrun: result.overrun &+ result.skipped,
                                         malformed: malformed, positionAfter: result.position)
            for window in closed { await send(window, on: loop) }
            if records.count < 8_192 { return }
        }
    }

    /// Counts and logs what the drain's audit found (DESIGN §8: bad input
    /// gives a clear error; the agent stays up and shows it is unhealthy).
    func noteRingFault(_ result: DrainResult) async {
        guard let fault = result.fault else {
            if await state.ringSane() {
                logger.notice("ring \(config.ringName): header is sane again; reading resumes")
            }
            return
        }
        if await state.ringFault(fault, stopsReading: result.faultStopsReading, nowMs: clock()) {
            let lost = result.skipped > 0 ? "; \(result.skipped) unread samples skipped, counted as lost" : ""
            logger.error("ring \(config.ringName) is corrupt: \(fault)\(lost); agent reports itself unhealthy")
        }
    }

    /// Spools a closed window (write-ahead), keeps it until acked and sends
    /// it: the coordinator hears who we are (model, version, histogram
    /// settings) before any window, so until the hello went out the window
    /// waits in the unacked buffer and follows the hello.
    func send(_ closed: AgentState.ClosedWindow, on loop: SocketLoop) async {
        let frames = WireMessage.window(Canary_V1_Window(closed.window)).encode()
        await spoolWrite(closed, frames: frames)
        let tracked = await state.track(closed, frames: frames, nowMs: clock())
        if !tracked.dropped.isEmpty {
            logger.warning("unacked buffer full (\(config.unackedCapacity) windows, spool.max_bytes \(config.spoolMaxBytes)): dropped window \(tracked.dropped.map(\.description).joined(separator: ", ")), the oldest")
            await forget(tracked.dropped)
        }
        if tracked.send { _ = await trySend(frames, on: loop) }
    }

    /// Writes the window to the spool; a failed write is logged once per
    /// cause and leaves the window in memory only (a successor would count
    /// its records lost: the checkpoint stays below it until it is acked).
    private func spoolWrite(_ closed: AgentState.ClosedWindow, frames: [[UInt8]]) async {
        guard spool.isOpen else { return }
        do {
            try spool.write(SpooledWindow(key: closed.key, ringCreatedNs: reader.createdNanoseconds,
                                          ringStart: await state.lastSpanEnd, ringEnd: closed.ringEnd, frames: frames))
            if await state.spoolWorks() { logger.notice("spool \(spool.directory): windows are written again") }
        } catch {
            if await state.spoolFailed(error.reason, write: true) {
                logger.error("\(error); the window is kept in memory only (an agent restart would count it lost)")
            }
        }
    }

    /// Windows acknowledged, refused or dropped: the checkpoint moves past
    /// them first, then their spool files go (a crash in between resends
    /// one, which the coordinator acks as a duplicate).
    func forget(_ keys: [WindowKey]) async {
        saveCheckpoint(position: await state.acknowledgedPosition)
        for key in keys { spool.remove(key) }
    }

    /// One non-blocking send on the loop thread: false when the coordinator
    /// is not connected (the message is then simply not sent; windows stay
    /// in the unacked buffer and are resent later).
    func trySend(_ frames: [[UInt8]], on loop: SocketLoop) async -> Bool {
        do {
            try await loop.run { sockets in
                try sockets.socket(Self.dealer).send(multipart: frames, nonBlocking: true)
            }
            return true
        } catch {
            return false
        }
    }

    @discardableResult
    func say(_ message: WireMessage, on loop: SocketLoop) async -> Bool {
        await trySend(message.encode(), on: loop)
    }

    /// Hello and a snapshot request. With ZMQ_IMMEDIATE a send before the
    /// connection is up fails, so housekeeping retries until both went out.
    func introduce(on loop: SocketLoop) async {
        let sent = await say(hello(), on: loop)
        if sent { await say(.snapshotRequest(snapshotRequest()), on: loop) }
        for frames in await state.setIntroduced(sent, nowMs: clock()) {
            guard await trySend(frames, on: loop) else { break }
        }
    }


    func hello() -> WireMessage {
        var hello = Canary_V1_Hello()
        hello.agentID = config.agentID
        hello.host = ProcessInfo.processInfo.hostName
        hello.model = config.model
        hello.version = config.version
        hello.role = Canary_V1_Role(name: config.role)
        hello.configDigest = config.digest
        hello.agentEpoch = epoch
        hello.protocolVersion = UInt32(WireFormat.protocolVersion)
        hello.softwareVersion = CanaryVersion.string
        hello.histogram = Canary_V1_HistogramSettings(config.histogram)
        hello.scoreBinEdges = config.scoreBinEdges.map(Double.init)
        hello.ringName = config.ringName
        hello.routePageName = config.routePageName
        return .hello(hello)
    }

    func snapshotRequest() -> Canary_V1_SnapshotRequest {
        var request = Canary_V1_SnapshotRequest()
        request.agentID = config.agentID
        request.model = config.model
        return request
    }
}
