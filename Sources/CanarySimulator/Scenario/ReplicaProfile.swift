import Foundation

/// How a synthetic replica of one version behaves while no fault applies.
/// Defaults describe a healthy classifier; a scenario overrides what it needs.
public struct ReplicaProfile: Codable, Sendable, Hashable {
    /// Median latency (ms) of the lognormal body.
    public var latencyMs: Double = 20
    /// Shape of the lognormal body (σ of the underlying normal).
    public var latencySigma: Double = 0.35
    /// Share of requests that land in the slow tail, and how much slower.
    public var tailProbability: Double = 0.01
    public var tailFactor: Double = 4
    /// Shares of requests ending in each non-ok status class.
    public var errorRate: Double = 0.005
    public var timeoutRate: Double = 0
    public var clientErrorRate: Double = 0.01
    /// Probability of each predicted class (normalised when used).
    public var classes: [Double] = [0.7, 0.2, 0.1]
    /// Probability that a labeled prediction turns out correct.
    public var accuracy: Double = 0.92
    /// Share of requests whose label arrives, and how late.
    public var labelShare: Double = 0.5
    public var labelDelay: ScenarioDuration = .init(milliseconds: 500)
    /// How much slower the replica is with no load than warm (0.5 = 50 %),
    /// fading linearly to nothing at `warmRPS` requests per second: cold
    /// caches and the other tenants of an underused host, as measured on
    /// scikit-learn replicas (one at 15 req/s was 7–35 % slower than its
    /// peers at 70–135). ``latencyFactor(requestsPerSecond:)``.
    public var coldSlowdown: Double = 0
    public var warmRPS: Double = 100

    public init() {}

    enum CodingKeys: String, CodingKey {
        case latencyMs = "latency_ms", latencySigma = "latency_sigma", tailProbability = "tail_probability"
        case tailFactor = "tail_factor", errorRate = "error_rate", timeoutRate = "timeout_rate"
        case clientErrorRate = "client_error_rate", classes, accuracy, labelShare = "label_share"
        case labelDelay = "label_delay", coldSlowdown = "cold_slowdown", warmRPS = "warm_rps"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ReplicaProfile()
        latencyMs = try c.decodeIfPresent(Double.self, forKey: .latencyMs) ?? d.latencyMs
        latencySigma = try c.decodeIfPresent(Double.self, forKey: .latencySigma) ?? d.latencySigma
        tailProbability = try c.decodeIfPresent(Double.self, forKey: .tailProbability) ?? d.tailProbability
        tailFactor = try c.decodeIfPresent(Double.self, forKey: .tailFactor) ?? d.tailFactor
        errorRate = try c.decodeIfPresent(Double.self, forKey: .errorRate) ?? d.errorRate
        timeoutRate = try c.decodeIfPresent(Double.self, forKey: .timeoutRate) ?? d.timeoutRate
        clientErrorRate = try c.decodeIfPresent(Double.self, forKey: .clientErrorRate) ?? d.clientErrorRate
        classes = try c.decodeIfPresent([Double].self, forKey: .classes) ?? d.classes
        accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy) ?? d.accuracy
        labelShare = try c.decodeIfPresent(Double.self, forKey: .labelShare) ?? d.labelShare
        labelDelay = try c.decodeIfPresent(ScenarioDuration.self, forKey: .labelDelay) ?? d.labelDelay
        coldSlowdown = try c.decodeIfPresent(Double.self, forKey: .coldSlowdown) ?? d.coldSlowdown
        warmRPS = try c.decodeIfPresent(Double.self, forKey: .warmRPS) ?? d.warmRPS
    }

    /// The latency multiplier of a replica serving `requestsPerSecond`:
    /// 1 + cold_slowdown × (1 − rps / warm_rps), never below 1.
    public func latencyFactor(requestsPerSecond rps: Double) -> Double {
        guard coldSlowdown > 0, warmRPS > 0 else { return 1 }
        return 1 + coldSlowdown * Swift.max(0, 1 - rps / warmRPS)
    }

    /// One request's latency (ms) on a replica at that load: the lognormal
    /// body, the slow tail, the cold slowdown.
    public func drawLatencyMs(requestsPerSecond rps: Double, random: inout SimulationRandom) -> Double {
        var median = latencyMs * latencyFactor(requestsPerSecond: rps)
        if random.unit() < tailProbability { median *= tailFactor }
        return median * exp(latencySigma * random.normal())
    }

    /// The profile with a fault's changes applied.
    public func applying(_ fault: Fault) -> ReplicaProfile {
        var p = self
        if let k = fault.latencyFactor { p.latencyMs *= k }
        if let e = fault.errorRate { p.errorRate = e }
        if let t = fault.timeoutRate { p.timeoutRate = t }
        if let a = fault.accuracy { p.accuracy = a }
        if let c = fault.classes { p.classes = c }
        return p
    }
}
