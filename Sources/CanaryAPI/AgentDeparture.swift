/// An agent that left the coordinator's fleet, as the event stream tells it
/// (`event: agent_forgotten`): the dashboard drops it from its agent list.
/// `reason` is `goodbye` (it stopped gracefully), `silent` (no message for
/// `forget_after`) or `operator` (`DELETE /api/v1/agents/{id}`).
public struct AgentDeparture: Codable, Sendable, Equatable {
    public var agentID: String
    public var reason: String
    public var sentence: String

    public init(agentID: String, reason: String, sentence: String) {
        self.agentID = agentID
        self.reason = reason
        self.sentence = sentence
    }
}
