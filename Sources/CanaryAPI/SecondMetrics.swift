/// One version's numbers for one second, as the dashboard charts them: the
/// `metrics` server-sent event and the rows of `GET /api/v1/models/{model}/history`.
///
/// A second's bucket is rewritten as late windows of other agents arrive, so
/// the same (model, version, second) may be sent again with larger counts;
/// the page replaces the point rather than adding one.
public struct SecondMetrics: Codable, Sendable, Equatable {
    public var model: String
    public var version: String
    /// Unix time in whole seconds.
    public var second: Int64
    public var requests: Int64
    public var errors: Int64
    public var errorRate: Double
    public var p50Ms: Double
    public var p95Ms: Double
    public var p99Ms: Double
    public var labeled: Int64
    /// Share of labeled outcomes that were correct; nil without labels.
    public var accuracy: Double?
    /// Outcomes that matched no prediction (not part of `labeled`).
    public var unmatched: Int64
    public var ringLost: Int64

    public init(model: String, version: String, second: Int64, requests: Int64, errors: Int64, errorRate: Double,
                p50Ms: Double, p95Ms: Double, p99Ms: Double, labeled: Int64, accuracy: Double?, unmatched: Int64,
                ringLost: Int64) {
        self.model = model
        self.version = version
        self.second = second
        self.requests = requests
        self.errors = errors
        self.errorRate = errorRate
        self.p50Ms = p50Ms
        self.p95Ms = p95Ms
        self.p99Ms = p99Ms
        self.labeled = labeled
        self.accuracy = accuracy
        self.unmatched = unmatched
        self.ringLost = ringLost
    }
}
