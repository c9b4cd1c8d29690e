/// `GET /api/v1/models/{model}/totals`: every sample the coordinator counted
/// for a model, per version, summed over the journal's per-second buckets
/// (all rollouts, all time). What a supervisor compares with what it sent.
public struct ModelTotals: Codable, Sendable, Equatable {
    public struct Version: Codable, Sendable, Equatable {
        public var version: String
        public var requests: Int64
        public var errors: Int64
        /// Samples that carried a label, and those the label said were correct.
        public var labeled: Int64
        public var correct: Int64
        /// Outcomes that matched no prediction (unknown key, past the
        /// agent's label horizon, evicted): not part of `labeled`.
        public var unmatched: Int64

        public init(version: String, requests: Int64, errors: Int64, labeled: Int64, correct: Int64, unmatched: Int64 = 0) {
            self.version = version
            self.requests = requests
            self.errors = errors
            self.labeled = labeled
            self.correct = correct
            self.unmatched = unmatched
        }
    }

    public var model: String
    /// One entry per version seen, by version name.
    public var versions: [Version]

    public init(model: String, versions: [Version]) {
        self.model = model
        self.versions = versions
    }

    /// The totals of one version; zero counts when it was never seen.
    public subscript(version: String) -> Version {
        versions.first { $0.version == version } ?? Version(version: version, requests: 0, errors: 0, labeled: 0, correct: 0)
    }
}
