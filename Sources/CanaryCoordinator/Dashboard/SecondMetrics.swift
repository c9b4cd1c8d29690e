import CanaryCore

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
    public var ringLost: Int64

    public init(_ row: AggregateRecord) {
        model = row.model
        version = row.version
        second = row.second
        requests = row.requests
        errors = row.errors
        errorRate = row.requests == 0 ? 0 : Double(row.errors) / Double(row.requests)
        p50Ms = row.p50Us / 1000
        p95Ms = row.p95Us / 1000
        p99Ms = row.p99Us / 1000
        labeled = row.labeled
        accuracy = row.labeled == 0 ? nil : Double(row.correct) / Double(row.labeled)
        ringLost = row.ringLost
    }
}
