/// The part of `GET /api/v1/agents` the demo reads, decoded leniently.
struct DemoAgentStatus: Decodable, Sendable {
    var agentID: String
    var model: String
    var version: String
    var stale: Bool
    var windowsCounted: UInt64
    var windowsDuplicate: UInt64
    var windowsRejected: UInt64
    var windowsDroppedTotal: UInt64
    var ringLostTotal: UInt64
}
