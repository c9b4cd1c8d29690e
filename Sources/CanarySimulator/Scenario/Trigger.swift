/// When a fault or an action happens: a delay after the rollout first
/// reaches a step. Anchored to steps rather than to the clock because the
/// time a step is reached depends on traffic and the plan, and a fault
/// "after the second step" must hit the canary at that step whatever the speed.
public struct Trigger: Codable, Sendable, Hashable {
    /// 1-based step of the plan; 1 = as soon as the canary gets traffic.
    public var step: Int
    public var after: ScenarioDuration

    public init(step: Int, after: ScenarioDuration = .init(milliseconds: 0)) {
        self.step = step
        self.after = after
    }

    enum CodingKeys: String, CodingKey { case step = "at_step", after }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        step = try c.decodeIfPresent(Int.self, forKey: .step) ?? 1
        after = try c.decodeIfPresent(ScenarioDuration.self, forKey: .after) ?? .init(milliseconds: 0)
    }
}

/// Watches the canary weight and says when a trigger is due. The simulator
/// is the one observer (it reads the route pages the traffic follows) and
/// reports `reachedMs` in its status, so faults and the demo's actions are
/// anchored to the same moment a step was reached.
public struct TriggerClock: Sendable {
    public let stepsPPM: [UInt32]
    /// Wall time (ms) each step was first seen, by 0-based index.
    public private(set) var reachedMs: [Int: Int64] = [:]

    public init(stepsPPM: [UInt32], reachedMs: [Int: Int64] = [:]) {
        self.stepsPPM = stepsPPM
        self.reachedMs = reachedMs
    }

    /// Records an observation of the canary weight at `nowMs`.
    public mutating func observe(canaryPPM: UInt32, nowMs: Int64) {
        for (i, step) in stepsPPM.enumerated() where canaryPPM >= step && reachedMs[i] == nil {
            reachedMs[i] = nowMs
        }
    }

    /// The wall time `trigger` fires at, once its step was reached.
    public func dueMs(_ trigger: Trigger) -> Int64? {
        reachedMs[trigger.step - 1].map { $0 + trigger.after.milliseconds }
    }
}
