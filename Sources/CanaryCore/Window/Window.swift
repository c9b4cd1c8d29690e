/// The aggregate of one agent's samples for one (model, version) over one
/// interval — the unit that travels agent → coordinator and that the judge
/// consumes after merging per version.
///
/// `merge` is exact (every field is a sum, a min or a max), associative and
/// commutative. Identity fields of a merged window are informational: agent id
/// is kept when equal and becomes `"*"` otherwise; epoch and sequence are the
/// maxima; start and end span both windows.
public struct Window: Sendable, Equatable {
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
    /// Outcome samples that could not be judged: a label matching no
    /// inference the agent still held (``LabelJoin``), or an outcome saying
    /// nothing. Not part of `labeledCount`.
    public var unmatchedCount: UInt64
    /// Recorded by a control replica (an agent with `role: control`): the
    /// window belongs to a rollout's control arm although its version is
    /// the baseline's. Carried by every window, not looked up from the
    /// agent's hello, so a window resent after a restart of either side is
    /// still counted where it was recorded. A merge of control and other
    /// windows is not a control window.
    public var control: Bool

    public static let mergedAgentID = "*"

    public init(
        agentID: String, agentEpoch: UInt64 = 0, sequence: UInt64 = 0, model: String, version: String,
        startMs: Int64, endMs: Int64, requestCount: UInt64 = 0, statuses: StatusCounts = StatusCounts(),
        latency: LatencyHistogram = LatencyHistogram(), labeledCount: UInt64 = 0, correctCount: UInt64 = 0,
        predictionCounts: [Int32: UInt64] = [:], scores: ScoreBins = .none, ringLost: UInt64 = 0, ringOverrun: UInt64 = 0,
        unmatchedCount: UInt64 = 0, control: Bool = false
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
        self.unmatchedCount = unmatchedCount
        self.control = control
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

    /// Every count of the result is checked first (``checkMerge(with:)``):
    /// a merge that would carry more than ``WindowBounds/maxCount`` (2⁵³) in
    /// any count, or more than ``WindowBounds/maxMergedPredictionClasses``
    /// classes, throws instead of wrapping or trapping later.
    public func merged(with other: Window) throws(WindowError) -> Window {
        try checkMerge(with: other)
        var result = self
        try result.latency.merge(other.latency)
        try result.scores.merge(other.scores)
        if agentID != other.agentID { result.agentID = Window.mergedAgentID }
        result.control = control && other.control
        result.agentEpoch = max(agentEpoch, other.agentEpoch)
        result.sequence = max(sequence, other.sequence)
        result.startMs = min(startMs, other.startMs)
        result.endMs = max(endMs, other.endMs)
        // Checked above: none of these sums exceeds 2⁵³.
        result.requestCount += other.requestCount
        result.statuses = StatusCounts(
            ok: statuses.ok + other.statuses.ok, clientError: statuses.clientError + other.statuses.clientError,
            serverError: statuses.serverError + other.statuses.serverError, timeout: statuses.timeout + other.statuses.timeout)
        result.labeledCount += other.labeledCount
        result.correctCount += other.correctCount
        result.predictionCounts.merge(other.predictionCounts, uniquingKeysWith: +)
        result.ringLost += other.ringLost
        result.ringOverrun += other.ringOverrun
        result.unmatchedCount += other.unmatchedCount
        return result
    }

    /// Throws what `merged(with:)` would, without building the merge: a
    /// pass over the prediction classes, none over the histogram — cheap
    /// enough to ask before counting a window anywhere.
    public func checkMerge(with other: Window) throws(WindowError) {
        guard model == other.model, version == other.version else {
            throw WindowError(.identityMismatch, "cannot merge windows of \(model)/\(version) and \(other.model)/\(other.version)")
        }
        guard latency.settings == other.latency.settings else {
            throw WindowError(.histogramSettingsMismatch, "cannot merge latency histograms with settings \(latency.settings) and \(other.latency.settings)")
        }
        guard scores.edges == other.scores.edges else {
            throw WindowError(.scoreEdgesMismatch, "cannot merge score bins with edges \(scores.edges) and \(other.scores.edges)")
        }
        _ = try sum(requestCount, other.requestCount, "requests")
        _ = try sum(latency.totalCount, other.latency.totalCount, "latencies")
        _ = try sum(latency.clampedCount, other.latency.clampedCount, "clamped latencies")
        _ = try sum(statuses.ok, other.statuses.ok, "ok requests")
        _ = try sum(statuses.clientError, other.statuses.clientError, "client errors")
        _ = try sum(statuses.serverError, other.statuses.serverError, "server errors")
        _ = try sum(statuses.timeout, other.statuses.timeout, "timeouts")
        _ = try sum(labeledCount, other.labeledCount, "labeled outcomes")
        _ = try sum(correctCount, other.correctCount, "correct outcomes")
        _ = try sum(scores.total, other.scores.total, "scores")
        _ = try sum(ringLost, other.ringLost, "ring losses")
        _ = try sum(ringOverrun, other.ringOverrun, "ring overruns")
        _ = try sum(unmatchedCount, other.unmatchedCount, "unmatched outcomes")
        var classes = predictionCounts.count
        for (classID, count) in other.predictionCounts {
            if let mine = predictionCounts[classID] {
                _ = try sum(mine, count, "predictions of class \(classID)")
            } else {
                _ = try sum(0, count, "predictions of class \(classID)")
                classes += 1
            }
        }
        guard classes <= WindowBounds.maxMergedPredictionClasses else {
            throw WindowError(.tooManyClasses, "merging windows of \(model)/\(version) would count \(classes) prediction classes (at most \(WindowBounds.maxMergedPredictionClasses))")
        }
    }

    private func sum(_ a: UInt64, _ b: UInt64, _ what: String) throws(WindowError) -> UInt64 {
        guard let total = WindowBounds.add(a, b) else {
            throw WindowError(.countOverflow, "merging windows of \(model)/\(version) would count \(a) + \(b) \(what), over the 2^53 a window may carry")
        }
        return total
    }

    /// Why this window's counts cannot be believed (over 2⁵³, or
    /// contradicting each other), or nil — for windows that did not come
    /// through the wire checks (a journal's snapshot).
    public func countsProblem() -> String? {
        let max = WindowBounds.maxCount
        let counts = [requestCount, statuses.ok, statuses.clientError, statuses.serverError, statuses.timeout,
                      labeledCount, correctCount, ringLost, ringOverrun, unmatchedCount, latency.totalCount, scores.total]
        if let over = counts.first(where: { $0 > max }) { return "a count of \(over) is over 2^53" }
        guard statuses.total == requestCount else { return "statuses sum to \(statuses.total) for \(requestCount) requests" }
        guard latency.totalCount == requestCount else { return "\(latency.totalCount) latencies for \(requestCount) requests" }
        guard correctCount <= labeledCount else { return "\(correctCount) correct of \(labeledCount) labeled" }
        guard predictionCounts.count <= WindowBounds.maxMergedPredictionClasses,
              predictionCounts.values.allSatisfy({ $0 <= max }) else { return "prediction counts out of range" }
        return nil
    }

    /// Adds one sample. Inference samples count as requests; outcome samples
    /// only add to the labeled/correct counts, or to the unmatched count
    /// when they cannot say whether the prediction was right (a label
    /// without its prediction: the agent's ``LabelJoin`` supplies that).
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
            } else {
                unmatchedCount &+= 1
            }
        }
    }
}
