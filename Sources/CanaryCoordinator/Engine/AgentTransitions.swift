import CanaryCore

extension CoordinatorEngine {
    /// An agent went stale or came back: logged, journaled with the step,
    /// streamed once it committed; a returning agent leaves the machines'
    /// stale lists at once (going stale is applied by `tick`).
    func noteTransition(_ transition: Fleet.Transition, nowMs: Int64) {
        let sentence = transition.stale
            ? "agent \(transition.agentID) is stale: silent for more than \(config.staleAfterMs) ms; its windows are left out"
            : "agent \(transition.agentID) is live again"
        if transition.stale { logger.warning("\(sentence)") } else { logger.notice("\(sentence)") }
        pending.batch.events.append(EventRecord(rolloutID: nil, tMs: nowMs, kind: "agent", action: transition.stale ? "stale" : "live",
                                                reason: sentence, payloadJSON: Self.json(["agent": transition.agentID])))
        if let agent = fleet.agents[transition.agentID] { pending.agents.append(agent) }
        if !transition.stale { registry.noteStaleAgents(in: fleet, nowMs: nowMs) }
    }
}
