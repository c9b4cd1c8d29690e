import CanaryCore

extension CoordinatorEngine {
    /// An agent went stale or came back: logged (at most a few a second),
    /// journaled with the step,
    /// streamed once it committed; a returning agent leaves the machines'
    /// stale lists at once (going stale is applied by `tick`).
    func noteTransition(_ transition: Fleet.Transition, now: Moment) {
        let sentence = transition.stale
            ? "agent \(transition.agentID) is stale: silent for more than \(config.staleAfterMs) ms; its windows are left out"
            : "agent \(transition.agentID) is live again"
        // Rate-limited like the wire's refusals: a flood of ids that say
        // hello once and go silent must not become a flood of log lines.
        // Each transition is still journaled and streamed.
        let logged = rejectionLog.admit(transition.stale ? "agent_stale" : "agent_live", nowMs: now.runMs)
        if logged.log {
            let line = sentence + (logged.suppressed > 0 ? " (\(logged.suppressed) more like it not logged)" : "")
            if transition.stale { logger.warning("\(line)") } else { logger.notice("\(line)") }
        }
        pending.batch.events.append(EventRecord(rolloutID: nil, tMs: now.wallMs, kind: "agent", action: transition.stale ? "stale" : "live",
                                                reason: sentence, payloadJSON: Self.json(["agent": transition.agentID])))
        if let agent = fleet.agents[transition.agentID] { pending.agents.append(agent) }
        if !transition.stale { registry.noteStaleAgents(in: fleet, now: now) }
    }
}
