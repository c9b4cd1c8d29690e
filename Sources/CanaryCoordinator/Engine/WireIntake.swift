import CanaryCore
import CanaryWire
import Logging

/// Wire intake: every message from the ROUTER is decoded, checked and either
/// answered at once (hello, heartbeat, snapshot request) or, for a window,
/// de-duplicated and staged for the next ``CoordinatorEngine/flush(now:)``.
/// The ack policy lives here too: a counted window is acked after the commit
/// that counted it, a resent counted one at once (as a duplicate), a resent
/// staged one never (its first copy's ack follows), and while the journal
/// fails none that is not durable already. Protobuf types stop at
/// this edge: what is staged is a domain `Window`.
extension CoordinatorEngine {
    /// Handles one message from the ROUTER (`frames` without the routing id);
    /// `peerKey` is the sender's CURVE public key (the ZAP user id), checked
    /// against its binding first (Security/CoordinatorEngine+KeyBindings.swift).
    public func receive(routingID: [UInt8], frames: [[UInt8]], now reading: ClockReading, peerKey: String? = nil) -> [Outbound] {
        let now = advanceClock(to: reading)
        let message: WireMessage
        do {
            message = try WireMessage.decode(frames)
        } catch {
            counters.reject(error.code.description)
            warn(error.code.description, now: now, "dropped a message from peer \(Self.hex(Array(routingID.prefix(32)))): \(error)")
            return []
        }
        // Every string a peer makes us keep (fleet entries, labels) is short.
        if let (field, bytes) = Self.oversizeField(message) {
            counters.reject("too_many_entries")
            warn("too_many_entries", now: now, "dropped a \(message.kind.name) from peer \(Self.hex(Array(routingID.prefix(32)))): its \(field) is \(bytes) bytes, more than \(Window.maxIdentityBytes)")
            return []
        }
        if let refusal = authorize(message, key: peerKey, routingID: routingID, now: now) { return refusal }
        switch message {
        case .hello(let hello):
            counters.received("hello")
            let identity = admitIdentity(agentID: hello.agentID, epoch: hello.agentEpoch, host: hello.host, ringName: hello.ringName,
                                         kind: "hello", routingID: routingID, now: now)
            if let answer = identity.answer { return answer }
            if let transition = fleet.hello(hello, now: now) { noteTransition(transition, now: now) }
            if helloLog.admit("hello", nowMs: now.runMs).log {
                logger.info("agent \(hello.agentID.prefix(256)) (\(hello.model.prefix(256))/\(hello.version.prefix(256)), epoch \(hello.agentEpoch)) said hello")
            }
            noteEvictions(now: now)
            var out = snapshotReplies(model: hello.model, routingID: routingID)
            if hello.hasHistogram, (try? HistogramSettings(wire: hello.histogram)) != config.histogram {
                out.append(.reply(routingID: routingID, .reject(Canary_V1_Reject(
                    agentID: hello.agentID, epoch: hello.agentEpoch, reason: "histogram_settings_mismatch",
                    message: "agent histogram settings differ from the fleet's (\(config.histogram)); its windows will be refused"))))
            }
            return out + identity.extra
        case .heartbeat(let beat):
            counters.received("heartbeat")
            let identity = admitIdentity(agentID: beat.agentID, epoch: beat.agentEpoch, kind: "heartbeat", routingID: routingID, now: now)
            if let answer = identity.answer { return answer }
            if let transition = fleet.heartbeat(beat, now: now) { noteTransition(transition, now: now) }
            // Sequence 0 acks the heartbeat: the agent's proof of our presence.
            var ack = Canary_V1_Ack()
            ack.agentID = beat.agentID
            ack.agentEpoch = beat.agentEpoch
            return [.reply(routingID: routingID, .ack(ack))] + identity.extra
        case .goodbye(let bye):
            counters.received("goodbye")
            farewell(bye, now: now)
            return []
        case .snapshotRequest(let request):
            counters.received("snapshot_request")
            if let transition = fleet.touch(request.agentID, now: now) { noteTransition(transition, now: now) }
            return snapshotReplies(model: request.model, routingID: routingID)
        case .window(let wire):
            counters.received("window")
            return stage(wire, routingID: routingID, now: now)
        case .ack, .routeTable, .reject:
            counters.reject("unexpected_kind")
            warn("unexpected_kind", now: now, "dropped a \(message.kind.name) from peer \(Self.hex(Array(routingID.prefix(32)))): agents do not send that kind")
            return []
        }
    }

    private func stage(_ wire: Canary_V1_Window, routingID: [UInt8], now: Moment) -> [Outbound] {
        if let refusal = membershipRefusal(wire) {
            return refuse(wire, routingID: routingID, reason: refusal.reason, message: refusal.message, now: now)
        }
        // A departed epoch's earlier windows (a successor's resends) are
        // counted, but do not bring the departed agent back.
        if fleet.departed(agentID: wire.agentID, epoch: wire.agentEpoch) == nil,
           let transition = fleet.touch(wire.agentID, now: now) { noteTransition(transition, now: now) }
        noteEvictions(now: now)
        let window: Window
        do {
            window = try Window(wire: wire, bounds: config.limits.window)
            try checkPlausible(wire, wallMs: now.wallMs)
        } catch {
            return refuse(wire, routingID: routingID, reason: error.code.description, message: error.message, now: now)
        }
        guard window.latency.settings == config.histogram else {
            return refuse(wire, routingID: routingID, reason: "histogram_settings_mismatch",
                          message: "window histogram settings \(window.latency.settings) differ from the fleet's \(config.histogram)", now: now)
        }
        // The marks are the journal's (a failed commit rebuilds them), so
        // a duplicate's original is durable: acking it is safe.
        if memoryIsJournal, fleet.isDuplicate(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence) {
            counters.duplicateWindows += 1
            _ = fleet.count(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence)
            return [.reply(routingID: routingID, .ack(Self.ack(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence, duplicate: true)))]
        }
        guard journalHealth.isCommitting else {
            // Not counted, not acked: the agent keeps it and resends (Durability.swift).
            counters.withheldWindows += 1
            return []
        }
        if staged.contains(where: { $0.window.agentID == wire.agentID && $0.window.agentEpoch == wire.agentEpoch && $0.window.sequence == wire.sequence }) {
            // The first copy is staged, not yet durable: its ack follows the
            // commit. Acking this resend now would ack an uncounted window,
            // and marking it counted here would make the flush skip the
            // staged copy as a duplicate — its samples would be lost.
            counters.duplicateWindows += 1
            return []
        }
        switch models.admit(model: window.model, version: window.version, nowMs: now.runMs, protected: registry.protectedVersions) {
        case .refused(let sentence):
            return refuse(wire, routingID: routingID, reason: "model_limit", message: sentence, now: now)
        case .admitted(let evicted):
            for eviction in evicted { forget(eviction, now: now) }
        }
        staged.append((routingID, window))
        return []
    }

    /// What needs the coordinator's wall clock and the fleet's memory: the
    /// window must not end far in the future, nor start long before the
    /// agent's first contact, and its sequence must not lie far beyond the
    /// highest one counted for its agent epoch.
    private func checkPlausible(_ wire: Canary_V1_Window, wallMs nowMs: Int64) throws(WireError) {
        let limits = config.limits
        let name = "window \(wire.agentID.prefix(256))#\(wire.sequence)"
        let (latestEnd, endOverflow) = nowMs.addingReportingOverflow(limits.maxClockSkewMs)
        guard endOverflow || wire.endMs <= latestEnd else {
            throw WireError(.implausibleTime, "\(name) ends at \(wire.endMs) ms, \(wire.endMs - nowMs) ms after the coordinator's clock (limits.max_clock_skew \(limits.maxClockSkewMs) ms)")
        }
        let firstContact = min(fleet.agents[wire.agentID]?.firstSeenMs ?? nowMs, nowMs)
        let (earliestStart, startOverflow) = firstContact.subtractingReportingOverflow(limits.maxWindowAgeMs)
        guard startOverflow || wire.startMs >= earliestStart else {
            throw WireError(.implausibleTime, "\(name) starts at \(wire.startMs) ms, more than limits.max_window_age (\(limits.maxWindowAgeMs) ms) before the agent's first contact at \(firstContact) ms")
        }
        let counted = fleet.contiguous(agentID: wire.agentID, epoch: wire.agentEpoch)
        let (latestSequence, sequenceOverflow) = counted.addingReportingOverflow(limits.maxSequenceAhead)
        guard sequenceOverflow || wire.sequence <= latestSequence else {
            throw WireError(.implausibleSequence, "\(name): sequence \(wire.sequence) lies more than limits.max_sequence_ahead (\(limits.maxSequenceAhead)) beyond \(counted), the highest counted for epoch \(wire.agentEpoch)")
        }
    }

    /// A model (or one of its versions) evicted from the book: its second
    /// aggregates, references and `/metrics` series go with it.
    func forget(_ eviction: ModelBook.Eviction, now: Moment) {
        aggregates.forget(model: eviction.model, versions: eviction.versions)
        committedAggregates.forget(model: eviction.model, versions: eviction.versions)
        references.forget(model: eviction.model, versions: eviction.versions)
        committedReferences.forget(model: eviction.model, versions: eviction.versions)
        metrics.forget(model: eviction.model, versions: eviction.versions)
        if eviction.wholeModel { counters.evictedModels += 1 } else { counters.evictedVersions += UInt64(eviction.versions.count) }
        let what = eviction.wholeModel ? "model \(eviction.model.prefix(256))" : "version \(eviction.model.prefix(256))/\(eviction.versions.first?.prefix(256) ?? "")"
        warn("evicted_model", now: now, "evicted \(what), silent for longest, to stay within limits.max_models / max_versions_per_model (\(counters.evictedModels) models and \(counters.evictedVersions) versions evicted so far)")
    }

    /// Agents the fleet evicted at its limit: counted, and logged (rate-limited).
    func noteEvictions(now: Moment) {
        let evicted = fleet.takeEvictedAgents()
        guard !evicted.isEmpty else { return }
        counters.evictedAgents = fleet.evictedAgents
        warn("evicted_agent", now: now, "evicted agents silent for longest to stay within limits.max_agents (\(config.limits.maxAgents)), e.g. \(evicted.prefix(4).map { String($0.prefix(64)) }.joined(separator: ", ")); \(fleet.evictedAgents) evicted so far")
    }

    /// A staged window that would not merge into the rollout or second it
    /// belongs to: refused with the reason instead of being counted.
    func refuseAtMerge(_ window: Window, routingID: [UInt8], problem: WindowError, now: Moment) -> [Outbound] {
        let reason = switch problem.code {
        case .countOverflow: "merge_overflow"
        case .tooManyClasses: "too_many_entries"
        case .scoreEdgesMismatch: "score_edges_mismatch"
        default: "merge_refused"
        }
        return refuse(agentID: window.agentID, epoch: window.agentEpoch, sequence: window.sequence,
                      routingID: routingID, reason: reason, message: problem.message, now: now)
    }

    /// A warning, at most a few per second per reason (RejectionLog.swift).
    func warn(_ reason: String, now: Moment, _ sentence: @autoclosure () -> String) {
        let decision = rejectionLog.admit(reason, nowMs: now.runMs)
        guard decision.log else { return }
        let suffix = decision.suppressed > 0 ? " (\(decision.suppressed) more like it not logged)" : ""
        logger.warning("\(sentence())\(suffix)")
    }

    private func refuse(_ wire: Canary_V1_Window, routingID: [UInt8], reason: String, message: String, now: Moment) -> [Outbound] {
        refuse(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence,
               routingID: routingID, reason: reason, message: message, now: now)
    }

    /// Counts, logs (rate-limited) and answers a refused window with a Reject naming the reason.
    private func refuse(agentID: String, epoch: UInt64, sequence: UInt64, routingID: [UInt8],
                        reason: String, message: String, now: Moment) -> [Outbound] {
        counters.reject(reason)
        fleet.countRejected(agentID: agentID)
        warn(reason, now: now, "refused window \(agentID.prefix(256))#\(sequence): \(message)")
        return [.reply(routingID: routingID, .reject(Canary_V1_Reject(agentID: agentID, epoch: epoch, sequence: sequence,
                                                                      reason: reason, message: message)))]
    }

    private func snapshotReplies(model: String, routingID: [UInt8]) -> [Outbound] {
        guard let table = committedRoutes.tables[model] else { return [] }
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

    /// The first string field of a hello, heartbeat or snapshot request
    /// longer than ``Window/maxIdentityBytes`` (windows check their own).
    static func oversizeField(_ message: WireMessage) -> (String, Int)? {
        let fields: [(String, String)] = switch message {
        case .hello(let h):
            [("agent_id", h.agentID), ("host", h.host), ("model", h.model), ("version", h.version),
             ("config_digest", h.configDigest), ("software_version", h.softwareVersion),
             ("ring_name", h.ringName), ("route_page_name", h.routePageName)]
        case .heartbeat(let b): [("agent_id", b.agentID)]
        case .snapshotRequest(let r): [("agent_id", r.agentID), ("model", r.model)]
        case .goodbye(let g): [("agent_id", g.agentID), ("reason", g.reason)]
        default: []
        }
        return fields.first { $0.1.utf8.count > Window.maxIdentityBytes }.map { ($0.0, $0.1.utf8.count) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
