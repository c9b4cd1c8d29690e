/// Something the demo does to its own processes mid-rollout, to show the
/// failure semantics: an agent killed (SIGKILL) and restarted, or the
/// coordinator killed and restarted on the same journal.
public struct ScenarioAction: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case killAgent = "kill_agent"
        case restartCoordinator = "restart_coordinator"
    }

    public var kind: Kind
    public var trigger: Trigger
    /// Which agent (kill_agent): the version role and replica index.
    public var target: String = "canary"
    public var replica: Int = 0
    /// How long the process stays down before it is started again.
    public var downFor: ScenarioDuration = .init(milliseconds: 1_000)

    enum CodingKeys: String, CodingKey { case kind = "action", target, replica, downFor = "down_for" }

    public init(kind: Kind, trigger: Trigger) {
        self.kind = kind
        self.trigger = trigger
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(Kind.self, forKey: .kind)
        trigger = try Trigger(from: decoder)
        target = try c.decodeIfPresent(String.self, forKey: .target) ?? "canary"
        replica = try c.decodeIfPresent(Int.self, forKey: .replica) ?? 0
        downFor = try c.decodeIfPresent(ScenarioDuration.self, forKey: .downFor) ?? .init(milliseconds: 1_000)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try trigger.encode(to: encoder)
        try c.encode(target, forKey: .target)
        try c.encode(replica, forKey: .replica)
        try c.encode(downFor, forKey: .downFor)
    }
}
