import CanaryConfig
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

/// Coordinator → agent: acks and refusals, and route tables followed onto
/// the replica's route page (Clone pattern: a gap asks for a snapshot).
extension Agent {
    func receive(from loop: SocketLoop) async {
        for await message in loop.messages {
            let decoded: WireMessage
            do {
                decoded = try WireMessage.decode(message.frames)
            } catch {
                logger.warning("dropped a message from the coordinator: \(error)")
                continue
            }
            if await state.heard(nowMs: clock()) {
                await reconnected(loop)
            }
            switch decoded {
            // Acks and refusals of a predecessor's windows (resent under
            // their own epoch) settle them like this agent's own.
            case .ack(let ack):
                let key = WindowKey(epoch: ack.agentEpoch, sequence: ack.sequence)
                if ack.sequence > 0, await state.acknowledge(key, rejected: false) {
                    await forget([key])
                }
                if ack.sequence == 0, ack.agentEpoch == epoch, await state.acceptedAgain() {
                    logger.notice("the coordinator accepts agent \(config.agentID) again: the other process under its id went silent")
                }
            case .reject(let reject) where reject.reason == "duplicate_agent_id":
                // Every heartbeat is refused meanwhile: one line, not one per heartbeat.
                if await state.refusedAsDuplicate(reject.message) {
                    logger.error("coordinator refused this agent: \(reject.reason): \(reject.message); reporting unhealthy until it accepts it again")
                }
                let key = WindowKey(epoch: reject.agentEpoch, sequence: reject.sequence)
                if reject.sequence > 0, await state.acknowledge(key, rejected: true) {
                    await forget([key])
                }
            case .reject(let reject):
                logger.error("coordinator refused \(reject.sequence > 0 ? "window \(WindowKey(epoch: reject.agentEpoch, sequence: reject.sequence))" : "this agent"): \(reject.reason): \(reject.message)")
                let key = WindowKey(epoch: reject.agentEpoch, sequence: reject.sequence)
                if reject.sequence > 0, await state.acknowledge(key, rejected: true) {
                    await forget([key])
                }
            case .routeTable(let table):
                await follow(table, loop: loop)
            case .hello, .window, .heartbeat, .snapshotRequest, .goodbye:
                logger.warning("dropped a \(decoded.kind.name) from the coordinator: it never sends that kind")
            }
        }
    }

    func follow(_ table: Canary_V1_RouteTable, loop: SocketLoop) async {
        guard table.model == config.model else { return }
        let action = await state.receiveTable(table)
        guard action != .ignore else { return }
        let page = RouteTable(
            epoch: table.epoch, sequence: table.sequence, phase: Self.pagePhase(table.phase),
            entries: table.weights.map { RouteEntry(version: $0.routeLabel, weightPPM: $0.weightPpm) })
        do {
            // A shared page is written by the agent holding it; the others
            // follow the same tables (and take over: `claimRoutePage`).
            if await holdsRoutePage() { try routePage.write(page) }
            await state.applied(table, page: page)
            logger.info("route table #\(table.sequence) applied: \(ApplyHook.weightsText(table)) (\(table.phase.name))")
            if !hook.isEmpty { hook.apply(table) }
        } catch {
            logger.error("route table #\(table.sequence) not applied, keeping the previous split: \(error)")
        }
        if action == .applyAndRequestSnapshot {
            await say(.snapshotRequest(snapshotRequest()), on: loop)
        }
    }

    func reconnected(_ loop: SocketLoop) async {
        logger.notice("coordinator reachable: saying hello and resending unacked windows")
        await introduce(on: loop)
        // Windows sent in the last moments are probably being acked now.
        for frames in await state.resendDue(nowMs: clock(), olderThanMs: 250) {
            guard await trySend(frames, on: loop) else { break }
        }
    }


    static func pagePhase(_ phase: Canary_V1_RolloutPhase) -> RoutePhase {
        switch phase {
        case .progressing: .progressing
        case .paused: .paused
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        case .aborted: .aborted
        case .pending, .steady, .unspecified, .UNRECOGNIZED: .pending
        }
    }

    public static let wallClockMs: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
