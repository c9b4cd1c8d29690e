/// A change to one version's replicas from a trigger on: what the
/// regressions of the scenarios are made of.
public struct Fault: Codable, Sendable, Hashable {
    public var name: String
    /// The version role it hits: canary (default) or baseline.
    public var target: String = "canary"
    public var trigger: Trigger
    /// Multiplies the median latency.
    public var latencyFactor: Double?
    public var errorRate: Double?
    public var timeoutRate: Double?
    public var accuracy: Double?
    public var classes: [Double]?
    /// The replicas stop recording altogether (a hung process).
    public var stall: Bool = false

    enum CodingKeys: String, CodingKey {
        case name, target, latencyFactor = "latency_factor", errorRate = "error_rate", timeoutRate = "timeout_rate"
        case accuracy, classes, stall
    }

    public init(name: String, trigger: Trigger) {
        self.name = name
        self.trigger = trigger
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "fault"
        target = try c.decodeIfPresent(String.self, forKey: .target) ?? "canary"
        guard ["canary", "baseline"].contains(target) else {
            throw DecodingError.dataCorruptedError(forKey: .target, in: c, debugDescription: "target must be canary or baseline, got '\(target)'")
        }
        trigger = try Trigger(from: decoder)
        latencyFactor = try c.decodeIfPresent(Double.self, forKey: .latencyFactor)
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate)
        timeoutRate = try c.decodeIfPresent(Double.self, forKey: .timeoutRate)
        accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy)
        classes = try c.decodeIfPresent([Double].self, forKey: .classes)
        stall = try c.decodeIfPresent(Bool.self, forKey: .stall) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(target, forKey: .target)
        try trigger.encode(to: encoder)
        try c.encodeIfPresent(latencyFactor, forKey: .latencyFactor)
        try c.encodeIfPresent(errorRate, forKey: .errorRate)
        try c.encodeIfPresent(timeoutRate, forKey: .timeoutRate)
        try c.encodeIfPresent(accuracy, forKey: .accuracy)
        try c.encodeIfPresent(classes, forKey: .classes)
        try c.encode(stall, forKey: .stall)
    }
}
