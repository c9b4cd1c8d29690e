/// Headline numbers of one version's merged window, for the API and the
/// dashboard. Shares are fractions, latencies ms.
public struct VersionSummary: Sendable, Equatable, Hashable, Codable {
    public var version: String
    public var requests: UInt64
    public var errorRate: Double
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
    public var labeled: UInt64
    public var accuracy: Double?
    /// Outcomes that matched no prediction (not part of `labeled`).
    public var unmatched: UInt64
    public var ringLost: UInt64

    public init(_ window: Window) {
        version = window.version
        requests = window.requestCount
        errorRate = window.requestCount == 0 ? 0 : Double(window.modelErrors) / Double(window.requestCount)
        p50Ms = Double(window.latency.quantile(0.50)) / 1000
        p95Ms = Double(window.latency.quantile(0.95)) / 1000
        p99Ms = Double(window.latency.quantile(0.99)) / 1000
        labeled = window.labeledCount
        accuracy = window.labeledCount == 0 ? nil : Double(window.correctCount) / Double(window.labeledCount)
        unmatched = window.unmatchedCount
        ringLost = window.ringLost &+ window.ringOverrun
    }

    private enum CodingKeys: String, CodingKey {
        case version, requests, errorRate, p50Ms, p95Ms, p99Ms, labeled, accuracy, unmatched, ringLost
    }

    /// Rollout views are journaled with their summaries: one written before
    /// `unmatched` existed reads as 0 unmatched.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        requests = try c.decode(UInt64.self, forKey: .requests)
        errorRate = try c.decode(Double.self, forKey: .errorRate)
        p50Ms = try c.decode(Double.self, forKey: .p50Ms)
        p95Ms = try c.decode(Double.self, forKey: .p95Ms)
        p99Ms = try c.decode(Double.self, forKey: .p99Ms)
        labeled = try c.decode(UInt64.self, forKey: .labeled)
        accuracy = try c.decodeIfPresent(Double.self, forKey: .accuracy)
        unmatched = try c.decodeIfPresent(UInt64.self, forKey: .unmatched) ?? 0
        ringLost = try c.decode(UInt64.self, forKey: .ringLost)
    }
}
