import CanaryCore
import CanaryWire
import Logging

/// Wire intake: every message from the ROUTER is decoded, checked and either
/// answered at once (hello, heartbeat, snapshot request) or, for a window,
/// de-duplicated and staged for the next ``CoordinatorEngine/flush(nowMs:)``.
/// The ack policy lives here too: a counted window is acked after the commit
/// that counted it, a resent counted one at once (as a duplicate), a resent
/// staged one never (its first copy's ack follows). Protobuf types stop at
/// this edge: what is staged is a domain `Window`.
extension CoordinatorEngine {
    /// Handles one message from the ROUTER (`frames` without the routing id);
    /// `peerKey` is the sender's CURVE public key (the ZAP user id), checked
    /// against its binding first (Security/CoordinatorEngine+KeyBindings.swift).
    public func receive(routingID: [UInt8], frames: [[UInt8]], nowMs: Int64, peerKey: String? = nil) -> [Outbound] {
        let message: WireMessage
        do {
            message = try WireMessage.decode(frames)
        } catch {
            counters.reject(error.code.description)
            logger.warning("dropped a message from peer \(Self.hex(routingID)): \(error)")
            return []
        }
        if let refusal = authorize(message, key: peerKey, routingID: routingID, nowMs: nowMs) { return refusal }
        switch message {
        case .hello(let hello):
            counters.received("hello")
            if let transition = fleet.hello(hello, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
            logger.info("agent \(hello.agentID) (\(hello.model)/\(hello.version), epoch \(hello.agentEpoch)) said hello")
            var out = snapshotReplies(model: hello.model, routingID: routingID)
            if hello.hasHistogram, (try? HistogramSettings(wire: hello.histogram)) != config.histogram {
                var reject = Canary_V1_Reject()
                reject.agentID = hello.agentID
                reject.agentEpoch = hello.agentEpoch
                reject.reason = "histogram_settings_mismatch"
                reject.message = "agent histogram settings differ from the fleet's (\(config.histogram)); its windows will be refused"
                out.append(.reply(routingID: routingID, .reject(reject)))
            }
            return out
        case .heartbeat(let beat):
            counters.received("heartbeat")
            if let transition = fleet.heartbeat(beat, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
            // Sequence 0 acks the heartbeat: the agent's proof of our presence.
            var ack = Canary_V1_Ack()
            ack.agentID = beat.agentID
            ack.agentEpoch = beat.agentEpoch
            return [.reply(routingID: routingID, .ack(ack))]
        case .snapshotRequest(let request):
            counters.received("snapshot_request")
            if let transition = fleet.touch(request.agentID, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
            return snapshotReplies(model: request.model, routingID: routingID)
        case .window(let wire):
            counters.received("window")
            return stage(wire, routingID: routingID, nowMs: nowMs)
        case .ack, .routeTable, .reject:
            counters.reject("unexpected_kind")
            logger.warning("dropped a \(message.kind.name) from peer \(Self.hex(routingID)): agents do not send that kind")
            return []
        }
    }

    private func stage(_ wire: Canary_V1_Window, routingID: [UInt8], nowMs: Int64) -> [Outbound] {
        if let transition = fleet.touch(wire.agentID, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
        let window: Window
        do {
            window = try Window(wire: wire)
        } catch {
            return refuse(wire, routingID: routingID, reason: error.code.description, message: error.message)
        }
        guard window.latency.settings == config.histogram else {
            return refuse(wire, routingID: routingID, reason: "histogram_settings_mismatch",
                          message: "window histogram settings \(window.latency.settings) differ from the fleet's \(config.histogram)")
        }
        if fleet.isDuplicate(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence) {
            counters.duplicateWindows += 1
            _ = fleet.count(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence, endMs: wire.endMs, nowMs: nowMs)
            return [.reply(routingID: routingID, .ack(Self.ack(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence, duplicate: true)))]
        }
        if staged.contains(where: { $0.window.agentID == wire.agentID && $0.window.agentEpoch == wire.agentEpoch && $0.window.sequence == wire.sequence }) {
            // The first copy is staged, not yet durable: its ack follows the
            // commit. Acking this resend now would ack an uncounted window,
            // and marking it counted here would make the flush skip the
            // staged copy as a duplicate — its samples would be lost.
            counters.duplicateWindows += 1
            return []
        }
        staged.append((routingID, window))
        return []
    }

    private func refuse(_ wire: Canary_V1_Window, routingID: [UInt8], reason: String, message: String) -> [Outbound] {
        counters.reject(reason)
        fleet.countRejected(agentID: wire.agentID)
        logger.warning("refused window \(wire.agentID)#\(wire.sequence): \(message)")
        var reject = Canary_V1_Reject()
        reject.agentID = wire.agentID
        reject.agentEpoch = wire.agentEpoch
        reject.sequence = wire.sequence
        reject.reason = reason
        reject.message = message
        return [.reply(routingID: routingID, .reject(reject))]
    }

    private func snapshotReplies(model: String, routingID: [UInt8]) -> [Outbound] {
        guard let table = routes.tables[model] else { return [] }
        return [.reply(routingID: routingID, .routeTable(Canary_V1_RouteTable(table)))]
    }

    /// The ack of a counted window, sent once the step that counted it committed.
    static func ack(for window: Window, routingID: [UInt8]) -> Outbound {
        .reply(routingID: routingID, .ack(ack(agentID: window.agentID, epoch: window.agentEpoch, sequence: window.sequence, duplicate: false)))
    }

    static func ack(agentID: String, epoch: UInt64, sequence: UInt64, duplicate: Bool) -> Canary_V1_Ack {
        var ack = Canary_V1_Ack()
        ack.agentID = agentID
        ack.agentEpoch = epoch
        ack.sequence = sequence
        ack.duplicate = duplicate
        return ack
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
