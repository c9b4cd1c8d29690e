import CanaryAPI
import CanaryCore
import CanaryWire

/// Who is in the fleet: agents leave it with a goodbye, after `forget_after`
/// of silence or by an operator's call, and one live process per agent id
/// is admitted (Fleet+Departures.swift, Fleet+Identity.swift). Each
/// departure is counted by reason, logged, journaled as an `agent` event and
/// streamed once committed, and leaves every rollout's stale list at once:
/// no rollout waits for an agent that is gone.
extension CoordinatorEngine {
    /// A hello or heartbeat: nil when it may be applied to the fleet, else
    /// the answer (an ack for a superseded heartbeat, Rejects otherwise).
    /// A duplicate found now also sends the newer process its Reject.
    func admitIdentity(agentID: String, epoch: UInt64, host: String? = nil, ringName: String? = nil,
                       kind: String, routingID: [UInt8], now: Moment) -> (answer: [Outbound]?, extra: [Outbound]) {
        if let through = fleet.departed(agentID: agentID, epoch: epoch) {
            let message = "agent \(agentID.prefix(256)) epoch \(epoch) said goodbye (after window #\(through)); a process that starts again says hello under a new epoch"
            return ([refusal(agentID: agentID, epoch: epoch, reason: "agent_departed", message: message, kind: kind, routingID: routingID, now: now)], [])
        }
        switch fleet.identify(agentID: agentID, epoch: epoch, host: host, ringName: ringName, routingID: routingID, runMs: now.runMs) {
        case .accepted:
            return (nil, [])
        case .superseded:
            return (kind == "heartbeat" ? [.reply(routingID: routingID, .ack(Self.ack(agentID: agentID, epoch: epoch, sequence: 0, duplicate: false)))] : [], [])
        case .duplicate(let refused, let kept):
            return ([duplicateRefusal(agentID: agentID, refused: refused, kept: kept, kind: kind, now: now)], [])
        case .duplicateFound(let refused, let kept):
            counters.duplicateAgentIDs += 1
            let sentence = Self.duplicateSentence(agentID: agentID, refused: refused, kept: kept, staleAfterMs: config.staleAfterMs)
            logger.error("\(sentence)")
            pending.batch.events.append(EventRecord(rolloutID: nil, tMs: now.wallMs, kind: "agent", action: "duplicate", reason: sentence,
                                                    payloadJSON: Self.json(["agent": agentID, "refusedEpoch": String(refused.epoch), "keptEpoch": String(kept.epoch)])))
            if let agent = fleet.agents[agentID] { pending.agents.append(agent) }
            return (nil, [duplicateRefusal(agentID: agentID, refused: refused, kept: kept, kind: "hello or heartbeat", now: now)])
        }
    }

    /// Whether a window must be refused before it is staged: sent after its
    /// epoch's goodbye, or by a process refused as a duplicate.
    func membershipRefusal(_ wire: Canary_V1_Window) -> (reason: String, message: String)? {
        if let through = fleet.departed(agentID: wire.agentID, epoch: wire.agentEpoch), wire.sequence > through {
            return ("agent_departed", "agent \(wire.agentID.prefix(256)) epoch \(wire.agentEpoch) said goodbye after window #\(through); window #\(wire.sequence) came after it")
        }
        if fleet.isRefusedDuplicate(agentID: wire.agentID, epoch: wire.agentEpoch), let identity = fleet.identity(of: wire.agentID),
           let refused = identity.speakers[wire.agentEpoch], let kept = identity.speakers[identity.owner] {
            return ("duplicate_agent_id", Self.duplicateSentence(agentID: wire.agentID, refused: refused, kept: kept, staleAfterMs: config.staleAfterMs))
        }
        return nil
    }

    /// A goodbye: the agent leaves the fleet (when the id is still its).
    func farewell(_ bye: Canary_V1_Goodbye, now: Moment) {
        guard let departure = fleet.goodbye(bye, runMs: now.runMs) else { return }
        let spooled = bye.unackedWindows > 0 ? ", \(bye.unackedWindows) windows left unacked for its successor to resend" : ""
        depart(departure, "said goodbye (\(bye.reason.isEmpty ? "no reason given" : String(bye.reason.prefix(128))), last window #\(bye.lastSequence)\(spooled))", now: now)
    }

    /// Agents silent past `forget_after` leave the fleet (each tick).
    func forgetSilentAgents(now: Moment) {
        for departure in fleet.forgetSilent(runMs: now.runMs) {
            depart(departure, "was silent for more than forget_after (\(DurationText.seconds(milliseconds: config.forgetAfterMs)))", now: now)
        }
    }

    /// `DELETE /api/v1/agents/{id}`: journaled before it is answered. A live
    /// agent may be removed too; it is back on its next message.
    public func removeAgent(_ agentID: String, now reading: ClockReading) throws(CoordinatorError) -> AgentStatus {
        let now = advanceClock(to: reading)
        try requireJournal("remove agent \(agentID)")
        guard let departure = fleet.remove(agentID, runMs: now.runMs) else {
            throw CoordinatorError(.notFound, "no agent with id '\(agentID)' in the fleet (GET /api/v1/agents lists them)")
        }
        depart(departure, "was removed by an operator (DELETE /api/v1/agents)", now: now)
        guard commit(now: now) != nil else {
            throw journalHealth.failure.map { Self.journalRefusal("remove agent \(agentID)", $0) }
                ?? CoordinatorError(.internalError, "could not remove agent \(agentID): the journal refused the commit")
        }
        return departure.status
    }

    private func depart(_ departure: Fleet.Departure, _ what: String, now: Moment) {
        let status = departure.status
        counters.forgottenAgents[departure.reason.rawValue, default: 0] += 1
        let sentence = "agent \(status.agentID.prefix(256)) (\(status.model.prefix(256))/\(status.version.prefix(256)), epoch \(status.agentEpoch)) \(what): it leaves the fleet and no rollout waits for it; its counted windows stay counted"
        let logged = rejectionLog.admit("agent_forgotten", nowMs: now.runMs)
        if logged.log { logger.notice("\(sentence)\(logged.suppressed > 0 ? " (\(logged.suppressed) more like it not logged)" : "")") }
        pending.batch.events.append(EventRecord(rolloutID: nil, tMs: now.wallMs, kind: "agent", action: "forgotten", reason: sentence,
                                                payloadJSON: Self.json(["agent": status.agentID, "reason": departure.reason.rawValue])))
        pending.departures.append(AgentDeparture(agentID: status.agentID, reason: departure.reason.rawValue, sentence: sentence))
        registry.noteStaleAgents(in: fleet, now: now)
    }

    private func duplicateRefusal(agentID: String, refused: AgentIdentity.Speaker, kept: AgentIdentity.Speaker, kind: String, now: Moment) -> Outbound {
        refusal(agentID: agentID, epoch: refused.epoch, reason: "duplicate_agent_id",
                message: Self.duplicateSentence(agentID: agentID, refused: refused, kept: kept, staleAfterMs: config.staleAfterMs),
                kind: kind, routingID: refused.routingID, now: now)
    }

    /// Counts, logs (rate-limited) and builds the Reject of a hello or heartbeat.
    private func refusal(agentID: String, epoch: UInt64, reason: String, message: String, kind: String, routingID: [UInt8], now: Moment) -> Outbound {
        counters.reject(reason)
        warn(reason, now: now, "refused a \(kind) of agent \(agentID.prefix(256)) epoch \(epoch): \(message)")
        return .reply(routingID: routingID, .reject(Canary_V1_Reject(agentID: agentID, epoch: epoch, reason: reason, message: message)))
    }

    static func duplicateSentence(agentID: String, refused: AgentIdentity.Speaker, kept: AgentIdentity.Speaker, staleAfterMs: Int64) -> String {
        "two live agents use the id \(agentID.prefix(256)): \(kept) had it first and keeps it; \(refused) is refused until the first has been silent for stale_after (\(DurationText.seconds(milliseconds: staleAfterMs))). Give each agent its own agent_id or replica (the default, <host>/<ring name>, is unique per host)"
    }
}
