/// How a guard's numbers were judged.
public enum EvidenceKind: String, Sendable, Equatable, Hashable, Codable {
    /// An anytime-valid comparison with the baseline since the rollout began.
    case sequential
    /// A hard limit over the analysis window.
    case absolute
    /// A distance between prediction distributions.
    case drift
    /// Data quality: samples lost before aggregation.
    case dataQuality = "data_quality"
}

/// The numbers behind a verdict. Shares are fractions, latencies ms.
public struct Evidence: Sendable, Equatable, Hashable, Codable {
    public var guardName: String
    public var metric: GuardMetric
    public var kind: EvidenceKind
    public var canary: Double?
    public var baseline: Double?
    /// The absolute limit, or the drift threshold.
    public var limit: Double?
    public var tolerance: Double?
    /// The absolute slack added to the tolerance (a share, or ms for a
    /// latency quantile), when the guard has one.
    public var margin: Double?
    /// θ̂ of the sequential test (canary's excess over what is allowed).
    public var difference: Double?
    public var standardError: Double?
    public var eValue: Double?
    /// The e-value that fails the guard (number of relative guards / alpha).
    public var threshold: Double?
    public var canarySamples: UInt64
    public var baselineSamples: UInt64
    /// One line a human can read in the decision log.
    public var sentence: String
    /// `baseline_interference`: the baseline's value in the reference
    /// period before the rollout (`baseline` is its value since the start,
    /// `canary` the canary's over the same time), its requests, and how
    /// long the reference really spans.
    public var reference: Double?
    public var referenceSamples: UInt64?
    public var referenceMs: Int64?

    public init(
        guardName: String, metric: GuardMetric, kind: EvidenceKind, canary: Double? = nil, baseline: Double? = nil,
        limit: Double? = nil, tolerance: Double? = nil, margin: Double? = nil, difference: Double? = nil, standardError: Double? = nil,
        eValue: Double? = nil, threshold: Double? = nil, canarySamples: UInt64, baselineSamples: UInt64,
        sentence: String
    ) {
        self.guardName = guardName
        self.metric = metric
        self.kind = kind
        self.canary = canary
        self.baseline = baseline
        self.limit = limit
        self.tolerance = tolerance
        self.margin = margin
        self.difference = difference
        self.standardError = standardError
        self.eValue = eValue
        self.threshold = threshold
        self.canarySamples = canarySamples
        self.baselineSamples = baselineSamples
        self.sentence = sentence
    }
}

/// The judgement of one guard.
public enum Verdict: Sendable, Equatable, Hashable, Codable {
    case pass(evidence: Evidence)
    case fail(guardName: String, evidence: Evidence)
    case needMoreData(what: String, evidence: Evidence)

    public var evidence: Evidence {
        switch self {
        case .pass(let e), .fail(_, let e), .needMoreData(_, let e): e
        }
    }

    public var isFail: Bool {
        if case .fail = self { return true }
        return false
    }

    public var isPass: Bool {
        if case .pass = self { return true }
        return false
    }
}
