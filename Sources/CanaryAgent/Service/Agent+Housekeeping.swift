import CanaryConfig
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

/// Heartbeats, resends and silence (fail-static), every half second; the
/// hello retried every 50 ms until it is out.
extension Agent {
    func housekeeping(_ loop: SocketLoop) async throws {
        while !Task.isCancelled {
            // Until the hello is out (ZMQ_IMMEDIATE refuses sends before the
            // connection is up), retry it every 50 ms: windows wait for it.
            let introduced = await state.introduced
            try await Task.sleep(for: .milliseconds(introduced ? 500 : 50))
            let now = clock()
            if await state.checkSilence(nowMs: now) {
                logger.warning("coordinator silent for more than \(config.coordinatorTimeoutMs) ms: keeping the last split (fail-static); windows wait for it")
            }
            if await !state.introduced {
                await introduce(on: loop)
                continue
            }
            await say(.heartbeat(await state.heartbeat(nowMs: now)), on: loop)
            if await !state.health.coordinatorSilent {
                for frames in await state.resendDue(nowMs: now, olderThanMs: 2_000) {
                    guard await trySend(frames, on: loop) else { break }
                }
            }
        }
    }
}
