import CanaryAPI

extension SecondMetrics {
    /// One journaled per-second bucket as the API and the dashboard show it.
    init(_ row: AggregateRecord) {
        self.init(
            model: row.model, version: row.version, second: row.second, requests: row.requests, errors: row.errors,
            errorRate: row.requests == 0 ? 0 : Double(row.errors) / Double(row.requests),
            p50Ms: row.p50Us / 1000, p95Ms: row.p95Us / 1000, p99Ms: row.p99Us / 1000, labeled: row.labeled,
            accuracy: row.labeled == 0 ? nil : Double(row.correct) / Double(row.labeled), unmatched: row.unmatched,
            ringLost: row.ringLost)
    }
}
