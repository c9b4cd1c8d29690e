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

    /// The writer of the route page guards it: a page that no longer holds
    /// the table it wrote (weights that do not sum, a scribbled word, a
    /// stuck seqlock) is rewritten with that table, counted and logged. An
    /// agent that shares the page with a writer tries to take it over.
    func guardRoutePage(_ loop: SocketLoop) async {
        guard routePage.isWriter else {
            await claimRoutePage()
            return
        }
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

    /// Takes the page's writer lock if it is free (at start, and while
    /// another agent of this host holds it). The new writer puts the last
    /// table it followed on the page unless the page already holds it or a
    /// later one of the same epoch; a baseline agent that finds the page
    /// empty writes its own version at 100 % (epoch 0, sequence 0, phase
    /// pending), so a router always learns which version serves, even
    /// before the first rollout. Any table of the coordinator replaces it.
    func claimRoutePage() async {
        guard await holdsRoutePage() else { return }
        let onPage = try? routePage.read()
        if let table = await state.lastTable {
            if let onPage, onPage.entries == table.entries && onPage.sequence == table.sequence && onPage.epoch == table.epoch { return }
            if let onPage, onPage.epoch == table.epoch, onPage.sequence > table.sequence { return }
            do {
                try routePage.write(table)
                logger.notice("route page \(config.routePageName): wrote table #\(table.sequence), the last one followed")
            } catch {
                logger.error("route page \(config.routePageName): could not write table #\(table.sequence): \(error)")
            }
        } else if config.role == "baseline", let onPage, onPage.entries.isEmpty {
            let serving = RouteTable(epoch: 0, sequence: 0, phase: .pending,
                                     entries: [RouteEntry(version: config.version, weightPPM: 1_000_000)])
            do {
                try routePage.write(serving)
                logger.info("route page \(config.routePageName) held no table: it says \(config.version) serves 100 % until the coordinator's first table")
            } catch {
                logger.error("route page \(config.routePageName): could not write the serving version: \(error)")
            }
        }
    }

    /// Whether this agent writes the route page now: takes the writer lock
    /// if it is free, logging the first refusal and a takeover once each.
    func holdsRoutePage() async -> Bool {
        if routePage.isWriter { return true }
        let claimed: Bool
        do {
            claimed = try routePage.claimWriter()
        } catch {
            logger.error("route page \(config.routePageName): cannot take its writer lock: \(error)")
            return false
        }
        guard claimed else {
            if await state.noteSharedPage() {
                logger.notice("route page \(config.routePageName) is written by another agent of this host: this one follows the same tables and takes over if that one stops")
            }
            return false
        }
        if await state.sharedPageTaken() {
            logger.notice("route page \(config.routePageName): took over writing it (the agent that wrote it stopped)")
        }
        return true
    }
}
