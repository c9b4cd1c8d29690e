import CanaryConfig
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

/// Heartbeats, resends, silence (fail-static) and the route page's guard,
/// every half second; the hello retried every 50 ms until it is out.
extension Agent {
    func housekeeping(_ loop: SocketLoop) async throws {
        var lastRedialMs: Int64 = 0
        while !Task.isCancelled {
            // Until the hello is out (ZMQ_IMMEDIATE refuses sends before the
            // connection is up), retry it every 50 ms: windows wait for it.
            let introduced = await state.introduced
            try await Task.sleep(for: .milliseconds(introduced ? 500 : 50))
            let now = clock()
            if await state.checkSilence(nowMs: now) {
                logger.warning("coordinator silent for more than \(config.coordinatorTimeoutMs) ms: keeping the last split (fail-static); windows wait for it")
            }
            if curve != nil, await state.health.coordinatorSilent, now - lastRedialMs >= Self.redialEveryMs {
                lastRedialMs = now
                await redial(loop)
            }
            if await !state.introduced {
                await introduce(on: loop)
                continue
            }
            await guardRoutePage(loop)
            await say(.heartbeat(await state.heartbeat(nowMs: now)), on: loop)
            if await !state.health.coordinatorSilent {
                for frames in await state.resendDue(nowMs: now, olderThanMs: 2_000) {
                    guard await trySend(frames, on: loop) else { break }
                }
            }
        }
    }

    static let redialEveryMs: Int64 = 2_000

    /// With CURVE, libzmq gives up on a connection whose handshake failed
    /// (an impostor with another key on the coordinator's address, or this
    /// key not yet on the allow-list) and never dials it again: while the
    /// coordinator is silent, both sockets are re-dialled every 2 s so the
    /// real one is found again as soon as it is back.
    func redial(_ loop: SocketLoop) async {
        let router = config.coordinatorRouter, publisher = config.coordinatorPublisher
        do {
            try await loop.run { sockets in
                let dealer = try sockets.socket(Self.dealer), subscriber = try sockets.socket(Self.subscriber)
                try? dealer.disconnect(router)
                try dealer.connect(router)
                try? subscriber.disconnect(publisher)
                try subscriber.connect(publisher)
            }
            logger.debug("coordinator silent: re-dialled \(router) and \(publisher)")
        } catch {
            logger.warning("could not re-dial the coordinator: \(error)")
        }
    }

    /// The agent owns the route page: one that no longer holds the table it
    /// wrote (weights that do not sum, a scribbled word, a stuck seqlock)
    /// is rewritten with that table, counted and logged.
    func guardRoutePage(_ loop: SocketLoop) async {
        switch routePage.restoreIfChanged() {
        case .intact, .nothingWritten, .newerTable:
            await state.routePageUnrestorable(nil)
        case .restored(let reason):
            await state.routePageRestored(reason)
            logger.error("route page \(config.routePageName) changed behind the agent's back (\(reason)): rewrote the last table applied")
        case .corruptNothingToRestore(let reason):
            if await state.routePageUnrestorable == nil {
                logger.error("route page \(config.routePageName) is corrupt (\(reason)) and no table was applied yet: asking the coordinator for one")
            }
            await state.routePageUnrestorable(reason)
            await say(.snapshotRequest(snapshotRequest()), on: loop)
        }
    }
}
