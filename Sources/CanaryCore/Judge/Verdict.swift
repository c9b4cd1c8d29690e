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
    /// Anytime-valid bounds on θ (`difference`) at `confidence`: the guard
    /// shows the canary within tolerance once `upperBound` < 0.
    public var lowerBound: Double?
    public var upperBound: Double?
    public var confidence: Double?
    /// Time strata the comparison combines (stretches with one split).
    public var strata: Int?
    /// The bounds in the guard's own terms.
    public var interval: String?
    /// Roughly how many more canary samples (requests or labels) at the
    /// current split would show the canary within tolerance, when the
    /// estimate is inside it but the bound is not yet.
    public var moreSamplesNeeded: UInt64?
    /// For accuracy: the canary's labels and requests that arrived during
    /// the current step.
    public var stepLabeled: UInt64?
    public var stepRequests: UInt64?
    /// True when the guard holds the step only for want of positive
    /// evidence (the bound, or labels for the step's own traffic): what
    /// `on_inconclusive` acts on at `bake.max_duration`.
    public var awaitingEvidence: Bool?
    /// Which arm filled the `baseline` numbers: "baseline", or "control"
    /// when the plan has a control arm with traffic (nil in evidence
    /// journaled before it was recorded: the baseline).
    public var comparedWith: String?
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
        comparedWith: String? = nil, sentence: String
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
        self.comparedWith = comparedWith
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

    /// The same verdict, its evidence naming the arm it was compared with.
    public func compared(with arm: String) -> Verdict {
        switch self {
        case .pass(var e): e.comparedWith = arm; return .pass(evidence: e)
        case .fail(let name, var e): e.comparedWith = arm; return .fail(guardName: name, evidence: e)
        case .needMoreData(let what, var e): e.comparedWith = arm; return .needMoreData(what: what, evidence: e)
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
