import CanaryCore

/// A decision as journaled and streamed.
public struct DecisionEvent: Codable, Sendable, Equatable {
    public var rolloutID: String
    public var model: String
    public var decision: Decision
}
