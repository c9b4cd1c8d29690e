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
    public init(wire: Canary_V1_LatencyHistogram) throws(WireError) {
        let settings = try HistogramSettings(wire: wire.settings)
        guard wire.values.count == wire.counts.count else {
            throw WireError(.inconsistentBody, "latency histogram has \(wire.values.count) values but \(wire.counts.count) counts")
        }
        var total: UInt64 = 0
        for count in wire.counts {
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { throw WireError(.inconsistentBody, "latency histogram counts overflow 64 bits") }
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
    /// Decodes and checks a wire window: identity present, interval
    /// positive, errors ≤ requests, histogram total = requests,
    /// correct ≤ labeled, bins consistent with their edges.
    public init(wire: Canary_V1_Window) throws(WireError) {
        guard !wire.agentID.isEmpty, !wire.model.isEmpty, !wire.version.isEmpty else {
            throw WireError(.inconsistentBody, "window lacks agent_id, model or version")
        }
        guard wire.endMs > wire.startMs else {
            throw WireError(.inconsistentBody, "window \(wire.agentID)#\(wire.sequence) ends (\(wire.endMs)) before it starts (\(wire.startMs))")
        }
        let errors = wire.errors.clientError &+ wire.errors.serverError &+ wire.errors.timeout
        guard errors <= wire.requestCount else {
            throw WireError(.inconsistentBody, "window \(wire.agentID)#\(wire.sequence) has \(errors) errors but only \(wire.requestCount) requests")
        }
        guard wire.correctCount <= wire.labeledCount else {
            throw WireError(.inconsistentBody, "window \(wire.agentID)#\(wire.sequence) has \(wire.correctCount) correct of \(wire.labeledCount) labeled")
        }
        let latency = try LatencyHistogram(wire: wire.latency)
        guard latency.totalCount == wire.requestCount else {
            throw WireError(.inconsistentBody, "window \(wire.agentID)#\(wire.sequence) has \(latency.totalCount) latencies for \(wire.requestCount) requests")
        }
        let scores: ScoreBins
        do {
            scores = try ScoreBins(edges: wire.scoreBinEdges.map(Float.init), counts: wire.scoreBins)
        } catch {
            throw WireError(.inconsistentBody, "window \(wire.agentID)#\(wire.sequence) score bins: \(error.message)")
        }
        var predictions: [Int32: UInt64] = [:]
        for entry in wire.predictionClasses {
            predictions[entry.classID, default: 0] &+= entry.count
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
            ringLost: wire.ringLost, ringOverrun: wire.ringOverrun)
    }
}
