import CanaryCore

/// Conversions between CanaryCore's ``Window`` and the wire `Window`.
///
/// The histogram travels as sparse (value, count) pairs plus its settings;
/// decoding checks that the arrays agree and that the total matches, so a
/// corrupted or hand-made body is refused with the cause named instead of
/// being counted.
extension Canary_V1_Window {
    public init(_ window: CanaryCore.Window) {
        self.init()
        agentID = window.agentID
        agentEpoch = window.agentEpoch
        sequence = window.sequence
        model = window.model
        version = window.version
        startMs = window.startMs
        endMs = window.endMs
        requestCount = window.requestCount
        errors.clientError = window.statuses.clientError
        errors.serverError = window.statuses.serverError
        errors.timeout = window.statuses.timeout
        latency = Canary_V1_LatencyHistogram(window.latency)
        labeledCount = window.labeledCount
        correctCount = window.correctCount
        predictionClasses = window.predictionCounts.keys.sorted().map { classID in
            var entry = Canary_V1_ClassCount()
            entry.classID = classID
            entry.count = window.predictionCounts[classID] ?? 0
            return entry
        }
        scoreBinEdges = window.scores.edges.map(Double.init)
        scoreBins = window.scores.counts
        ringLost = window.ringLost
        ringOverrun = window.ringOverrun
        unmatchedOutcomes = window.unmatchedCount
        if window.control { role = .control }
    }
}

extension Canary_V1_HistogramSettings {
    public init(_ settings: HistogramSettings) {
        self.init()
        lowestDiscernibleValue = settings.lowestMicros
        highestTrackableValue = settings.highestMicros
        significantDigits = UInt32(clamping: settings.significantDigits)
        unit = .microseconds
    }
}

extension Canary_V1_LatencyHistogram {
    public init(_ histogram: LatencyHistogram) {
        self.init()
        settings = Canary_V1_HistogramSettings(histogram.settings)
        let buckets = histogram.buckets
        values = buckets.map(\.valueMicros)
        counts = buckets.map(\.count)
        totalCount = histogram.totalCount
    }
}

extension HistogramSettings {
    /// The core settings of a wire message; only microsecond histograms exist.
    public init(wire: Canary_V1_HistogramSettings) throws(WireError) {
        guard wire.unit == .microseconds || wire.unit == .unspecified else {
            throw WireError(.inconsistentBody, "histogram unit \(wire.unit) is not supported (expected microseconds)")
        }
        self.init(lowestMicros: wire.lowestDiscernibleValue, highestMicros: wire.highestTrackableValue,
                  significantDigits: Int(wire.significantDigits))
        do {
            try validate()
        } catch {
            throw WireError(.inconsistentBody, "histogram settings \(self): \(error.message)")
        }
    }
}

extension LatencyHistogram {
    /// Decodes a wire histogram: at most `maxBuckets` buckets, values
    /// strictly increasing, counts summing (checked) to `total_count` ≤ 2⁵³.
    public init(wire: Canary_V1_LatencyHistogram, maxBuckets: Int = WindowBounds.fleetDefault.maxLatencyBuckets) throws(WireError) {
        let settings = try HistogramSettings(wire: wire.settings)
        guard wire.values.count == wire.counts.count else {
            throw WireError(.inconsistentBody, "latency histogram has \(wire.values.count) values but \(wire.counts.count) counts")
        }
        guard wire.values.count <= maxBuckets else {
            throw WireError(.tooManyEntries, "latency histogram lists \(wire.values.count) buckets, more than the fleet limit of \(maxBuckets)")
        }
        var total: UInt64 = 0
        var previous: UInt64?
        for (value, count) in zip(wire.values, wire.counts) {
            if let previous, value <= previous {
                throw WireError(.inconsistentBody, "latency histogram values are not strictly increasing (\(value) after \(previous))")
            }
            previous = value
            guard let sum = WindowBounds.add(total, count) else {
                throw WireError(.countOutOfRange, "latency histogram counts sum to more than 2^53")
            }
            total = sum
        }
        guard total == wire.totalCount else {
            throw WireError(.inconsistentBody, "latency histogram counts sum to \(total) but total_count says \(wire.totalCount)")
        }
        let buckets = zip(wire.values, wire.counts).map { LatencyBucket(valueMicros: $0, count: $1) }
        do {
            try self.init(settings: settings, buckets: buckets)
        } catch {
            throw WireError(.inconsistentBody, "latency histogram: \(error.message)")
        }
    }
}

extension CanaryCore.Window {
    /// Identity strings (agent id, model, version) are at most this many bytes.
    public static let maxIdentityBytes = 256

    /// Decodes and checks a wire window before anything believes it:
    /// identity present and short; interval positive and no longer than
    /// `bounds.maxWindowMs`; sequence below 2⁶³; every count ≤ 2⁵³ and
    /// every sum of counts checked (errors ≤ requests without wrapping);
    /// histogram total = requests; correct ≤ labeled; buckets, classes and
    /// score bins within the fleet's limits. The work is linear in the
    /// body's length and independent of the counts it carries.
    public init(wire: Canary_V1_Window, bounds: WindowBounds = .fleetDefault) throws(WireError) {
        guard !wire.agentID.isEmpty, !wire.model.isEmpty, !wire.version.isEmpty else {
            throw WireError(.inconsistentBody, "window lacks agent_id, model or version")
        }
        let name = "window \(wire.agentID.prefix(Self.maxIdentityBytes))#\(wire.sequence)"
        for (field, value) in [("agent_id", wire.agentID), ("model", wire.model), ("version", wire.version)]
        where value.utf8.count > Self.maxIdentityBytes {
            throw WireError(.tooManyEntries, "\(name): \(field) of \(value.utf8.count) bytes is longer than \(Self.maxIdentityBytes)")
        }
        guard wire.sequence <= WindowBounds.maxSequence else {
            throw WireError(.implausibleSequence, "\(name): sequence \(wire.sequence) is 2^63 or more")
        }
        guard wire.endMs > wire.startMs else {
            throw WireError(.implausibleTime, "\(name) ends (\(wire.endMs)) before it starts (\(wire.startMs))")
        }
        let (length, lengthOverflow) = wire.endMs.subtractingReportingOverflow(wire.startMs)
        guard !lengthOverflow, length <= bounds.maxWindowMs else {
            throw WireError(.implausibleTime, "\(name) covers \(wire.startMs)…\(wire.endMs) ms, longer than the \(bounds.maxWindowMs) ms a window may")
        }
        let max = WindowBounds.maxCount
        for (field, value) in [("request_count", wire.requestCount), ("labeled_count", wire.labeledCount),
                               ("ring_lost", wire.ringLost), ("ring_overrun", wire.ringOverrun),
                               ("unmatched_outcomes", wire.unmatchedOutcomes)] where value > max {
            throw WireError(.countOutOfRange, "\(name): \(field) \(value) is over 2^53")
        }
        guard let clientAndServer = WindowBounds.add(wire.errors.clientError, wire.errors.serverError),
              let errors = WindowBounds.add(clientAndServer, wire.errors.timeout) else {
            throw WireError(.countOutOfRange, "\(name): errors \(wire.errors.clientError) + \(wire.errors.serverError) + \(wire.errors.timeout) sum to more than 2^53")
        }
        guard errors <= wire.requestCount else {
            throw WireError(.inconsistentBody, "\(name) has \(errors) errors but only \(wire.requestCount) requests")
        }
        guard wire.correctCount <= wire.labeledCount else {
            throw WireError(.inconsistentBody, "\(name) has \(wire.correctCount) correct of \(wire.labeledCount) labeled")
        }
        let latency = try LatencyHistogram(wire: wire.latency, maxBuckets: bounds.maxLatencyBuckets)
        guard latency.totalCount == wire.requestCount else {
            throw WireError(.inconsistentBody, "\(name) has \(latency.totalCount) latencies for \(wire.requestCount) requests")
        }
        guard wire.scoreBinEdges.count <= bounds.maxScoreBinEdges else {
            throw WireError(.tooManyEntries, "\(name) has \(wire.scoreBinEdges.count) score bin edges, more than the fleet limit of \(bounds.maxScoreBinEdges)")
        }
        let scores: ScoreBins
        do {
            scores = try ScoreBins(edges: wire.scoreBinEdges.map(Float.init), counts: wire.scoreBins)
        } catch {
            throw WireError(error.code == .countOverflow ? .countOutOfRange : .inconsistentBody, "\(name) score bins: \(error.message)")
        }
        guard wire.predictionClasses.count <= bounds.maxPredictionClasses else {
            throw WireError(.tooManyEntries, "\(name) lists \(wire.predictionClasses.count) prediction classes, more than the fleet limit of \(bounds.maxPredictionClasses)")
        }
        var predictions: [Int32: UInt64] = [:]
        var predicted: UInt64 = 0
        for entry in wire.predictionClasses {
            guard let sum = WindowBounds.add(predicted, entry.count) else {
                throw WireError(.countOutOfRange, "\(name): prediction class counts sum to more than 2^53")
            }
            predicted = sum
            predictions[entry.classID, default: 0] += entry.count
        }
        let statuses = StatusCounts(
            ok: wire.requestCount - errors, clientError: wire.errors.clientError,
            serverError: wire.errors.serverError, timeout: wire.errors.timeout)
        self.init(
            agentID: wire.agentID, agentEpoch: wire.agentEpoch, sequence: wire.sequence,
            model: wire.model, version: wire.version, startMs: wire.startMs, endMs: wire.endMs,
            requestCount: wire.requestCount, statuses: statuses, latency: latency,
            labeledCount: wire.labeledCount, correctCount: wire.correctCount,
            predictionCounts: predictions, scores: scores,
            ringLost: wire.ringLost, ringOverrun: wire.ringOverrun, unmatchedCount: wire.unmatchedOutcomes,
            control: wire.role == .control)
    }
}

extension Canary_V1_RouteWeight {
    /// What a router routes to: the pool (a control arm's label) when set,
    /// else the version. The shm route page holds these labels.
    public var routeLabel: String { pool.isEmpty ? version : pool }
}
