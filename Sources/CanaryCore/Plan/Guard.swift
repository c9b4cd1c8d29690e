/// The metrics a guard can watch.
public enum GuardMetric: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Share of requests that ended in a server error or timeout.
    case errorRate = "error_rate"
    case latencyP50 = "latency_p50"
    case latencyP95 = "latency_p95"
    case latencyP99 = "latency_p99"
    /// Share of requests slower than `threshold`.
    case latencyOver = "latency_over"
    /// Share of labeled outcomes that were correct.
    case accuracy
    /// Distance between canary and baseline prediction distributions.
    case predictionDrift = "prediction_drift"
    /// Share of samples the agent lost from its shared-memory ring.
    case ringLoss = "ring_loss"
    /// The baseline's own error rate or latency since the rollout began
    /// against the period just before it (Judge+Interference.swift).
    case baselineInterference = "baseline_interference"

    /// The quantile a latency quantile guard watches.
    public var quantile: Double? {
        switch self {
        case .latencyP50: 0.50
        case .latencyP95: 0.95
        case .latencyP99: 0.99
        default: nil
        }
    }
}

/// What prediction drift compares.
public enum DriftSource: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case classes
    case scores
}

/// One guard of a plan: an absolute hard limit and/or a relative comparison
/// with the baseline. Units: rates and shares are fractions (0.05 = 5 %),
/// latencies are milliseconds.
public struct Guard: Sendable, Equatable, Hashable, Codable {
    public var name: String
    public var metric: GuardMetric
    /// Absolute upper limit over the analysis window (error rate, latency
    /// quantile in ms, share over threshold, ring loss share).
    public var max: Double?
    /// Absolute lower limit over the analysis window (accuracy).
    public var min: Double?
    /// Relative tolerance. Error rate, latency over: canary may be up to
    /// (1 + tolerance) × baseline. Latency quantiles: the canary quantile may
    /// be up to (1 + tolerance) × the baseline's. Accuracy: the allowed drop
    /// in absolute points (0.01 = one point).
    public var tolerance: Double?
    /// Absolute slack added to the relative comparison, in the unit of what
    /// is compared. Shares (error rate, latency over): canary may be up to
    /// (1 + tolerance) × baseline + margin, so a baseline with no errors at
    /// all does not make one canary error a breach. Latency quantiles, in ms:
    /// the canary quantile may be up to (1 + tolerance) × the baseline's +
    /// margin, so 20 % of a 300 µs baseline is not a 60 µs hair trigger.
    /// Accuracy has none (its tolerance is already absolute points).
    public var margin: Double
    /// Latency threshold in ms for `latency_over`.
    public var thresholdMs: Double?
    /// Samples per arm (requests, or labels for accuracy) before an absolute
    /// limit or a drift threshold may trip.
    public var minSamples: UInt64
    public var psiMax: Double?
    public var jsMax: Double?
    public var source: DriftSource
    /// Standard deviation of the mSPRT normal mixture, in units of the tested
    /// difference of shares: the effect size the test is most sensitive to.
    public var mixtureSD: Double
    /// `baseline_interference`: the metric of the baseline it watches
    /// (error rate, a latency quantile or the share over a threshold).
    public var interferenceOf: GuardMetric?
    /// `baseline_interference`: how long before the start the reference
    /// period reaches back (nil: ``Guard/defaultReferenceMs``).
    public var referenceMs: Int64?

    public init(
        name: String? = nil, metric: GuardMetric, max: Double? = nil, min: Double? = nil, tolerance: Double? = nil,
        margin: Double = 0, thresholdMs: Double? = nil, minSamples: UInt64 = 100, psiMax: Double? = nil,
        jsMax: Double? = nil, source: DriftSource = .classes, mixtureSD: Double = 0.03
    ) {
        self.name = name ?? metric.rawValue
        self.metric = metric
        self.max = max
        self.min = min
        self.tolerance = tolerance
        self.margin = margin
        self.thresholdMs = thresholdMs
        self.minSamples = minSamples
        self.psiMax = psiMax
        self.jsMax = jsMax
        self.source = source
        self.mixtureSD = mixtureSD
    }

    /// Whether this guard runs a sequential test against the baseline.
    public var isRelative: Bool {
        switch metric {
        case .errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver, .accuracy: tolerance != nil
        case .baselineInterference: tolerance != nil
        case .predictionDrift, .ringLoss: false
        }
    }
}
