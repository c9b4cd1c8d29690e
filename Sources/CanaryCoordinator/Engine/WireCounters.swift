/// What the wire side has received and refused, by reason.
public struct WireCounters: Sendable, Equatable, Codable {
    public var receivedByKind: [String: UInt64] = [:]
    public var rejectedByReason: [String: UInt64] = [:]
    public var countedWindows: UInt64 = 0
    public var duplicateWindows: UInt64 = 0
    public var journalFailures: UInt64 = 0
    /// Windows neither counted nor acked because the journal could not commit (the agents resend them).
    public var withheldWindows: UInt64 = 0
    /// Fleet entries evicted at a limit (`limits:`), oldest silent first.
    public var evictedAgents: UInt64 = 0
    public var evictedModels: UInt64 = 0
    public var evictedVersions: UInt64 = 0
    /// Agents that left the fleet, by reason: `goodbye`, `silent` (forget_after), `operator` (DELETE).
    public var forgottenAgents: [String: UInt64] = [:]
    /// Times two live processes were found speaking under one agent id.
    public var duplicateAgentIDs: UInt64 = 0

    mutating func received(_ kind: String) { receivedByKind[kind, default: 0] += 1 }
    mutating func reject(_ reason: String) { rejectedByReason[reason, default: 0] += 1 }
}
