/// The aggregate of one agent's samples for one (model, version) over one
/// interval — the unit that travels agent → coordinator and that the judge
/// consumes after merging per version.
///
/// `merge` is exact (every field is a sum, a min or a max), associative and
/// commutative. Identity fields of a merged window are informational: agent id
/// is kept when equal and becomes `"*"` otherwise; epoch and sequence are the
/// maxima; start and end span both windows.
public struct Window: Sendable, Equatable, Codable {
    public var agentID: String
    public var agentEpoch: UInt64
    public var sequence: UInt64
    public var model: String
    public var version: String
    public var startMs: Int64
    public var endMs: Int64
    /// Inference samples (requests served).
    public var requestCount: UInt64
    public var statuses: StatusCounts
    public var latency: LatencyHistogram
    public var labeledCount: UInt64
    public var correctCount: UInt64
    public var predictionCounts: [Int32: UInt64]
    public var scores: ScoreBins
    public var ringLost: UInt64
    public var ringOverrun: UInt64

    public static let mergedAgentID = "*"

    public init(
        agentID: String, agentEpoch: UInt64 = 0, sequence: UInt64 = 0, model: String, version: String,
        startMs: Int64, endMs: Int64, requestCount: UInt64 = 0, statuses: StatusCounts = StatusCounts(),
        latency: LatencyHistogram = LatencyHistogram(), labeledCount: UInt64 = 0, correctCount: UInt64 = 0,
        predictionCounts: [Int32: UInt64] = [:], scores: ScoreBins = .none, ringLost: UInt64 = 0, ringOverrun: UInt64 = 0
    ) {
        self.agentID = agentID
        self.agentEpoch = agentEpoch
        self.sequence = sequence
        self.model = model
        self.version = version
        self.startMs = startMs
        self.endMs = endMs
        self.requestCount = requestCount
        self.statuses = statuses
        self.latency = latency
        self.labeledCount = labeledCount
        self.correctCount = correctCount
        self.predictionCounts = predictionCounts
        self.scores = scores
        self.ringLost = ringLost
        self.ringOverrun = ringOverrun
    }

    /// An empty window: the identity of `merge` for its (model, version,
    /// settings, edges).
    public static func empty(
        model: String, version: String, agentID: String = Window.mergedAgentID, startMs: Int64 = .max,
        endMs: Int64 = .min, settings: HistogramSettings = .fleetDefault, scoreEdges: [Float] = []
    ) throws(WindowError) -> Window {
        Window(
            agentID: agentID, model: model, version: version, startMs: startMs, endMs: endMs,
            latency: try LatencyHistogram(settings: settings), scores: try ScoreBins(edges: scoreEdges))
    }

    public var modelErrors: UInt64 { statuses.modelErrors }

    /// Adds `other` into `self`. Throws (leaving `self` unchanged) when the
    /// model, version, histogram settings or score edges differ.
    public mutating func merge(_ other: Window) throws(WindowError) {
        self = try merged(with: other)
    }

    public func merged(with other: Window) throws(WindowError) -> Window {
        guard model == other.model, version == other.version else {
            throw WindowError(.identityMismatch, "cannot merge windows of \(model)/\(version) and \(other.model)/\(other.version)")
        }
        var result = self
        try result.latency.merge(other.latency)
        try result.scores.merge(other.scores)
        if agentID != other.agentID { result.agentID = Window.mergedAgentID }
        result.agentEpoch = max(agentEpoch, other.agentEpoch)
        result.sequence = max(sequence, other.sequence)
        result.startMs = min(startMs, other.startMs)
        result.endMs = max(endMs, other.endMs)
        result.requestCount &+= other.requestCount
        result.statuses = statuses + other.statuses
        result.labeledCount &+= other.labeledCount
        result.correctCount &+= other.correctCount
        result.predictionCounts.merge(other.predictionCounts, uniquingKeysWith: &+)
        result.ringLost &+= other.ringLost
        result.ringOverrun &+= other.ringOverrun
        return result
    }

    /// Adds one sample. Inference samples count as requests; outcome samples
    /// only add to the labeled/correct counts.
    public mutating func record(_ sample: Sample) {
        switch sample.kind {
        case .inference:
            requestCount &+= 1
            statuses[sample.status] &+= 1
            latency.record(nanos: sample.latencyNs)
            if let predicted = sample.predictedClass { predictionCounts[predicted, default: 0] &+= 1 }
            if let score = sample.score { scores.record(score) }
            if let correct = sample.isCorrect {
                // A label known at inference time (immediate labels).
                labeledCount &+= 1
                if correct { correctCount &+= 1 }
            }
        case .outcome:
            if let correct = sample.isCorrect {
                labeledCount &+= 1
                if correct { correctCount &+= 1 }
            }
        }
    }
}
