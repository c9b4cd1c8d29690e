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
        ringLost = window.ringLost &+ window.ringOverrun
    }
}
