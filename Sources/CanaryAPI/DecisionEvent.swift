import CanaryCore

/// A decision as journaled and streamed (the `decision` server-sent event).
public struct DecisionEvent: Codable, Sendable, Equatable {
    public var rolloutID: String
    public var model: String
    public var decision: Decision

    public init(rolloutID: String, model: String, decision: Decision) {
        self.rolloutID = rolloutID
        self.model = model
        self.decision = decision
    }
}
