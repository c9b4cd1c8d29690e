/// One journal event of a rollout (`GET /api/v1/rollouts/{id}/events`): its
/// kind (decision, start, command, …) and the payload journaled with it.
public struct EventView: Codable, Sendable, Equatable {
    public var id: Int64?
    public var rolloutID: String?
    public var tMs: Int64
    public var kind: String
    public var action: String
    public var reason: String
    /// The event's stored JSON (a decision, a plan, …), as journaled.
    public var payload: JSONValue

    public init(id: Int64?, rolloutID: String?, tMs: Int64, kind: String, action: String, reason: String,
                payload: JSONValue) {
        self.id = id
        self.rolloutID = rolloutID
        self.tMs = tMs
        self.kind = kind
        self.action = action
        self.reason = reason
        self.payload = payload
    }
}
