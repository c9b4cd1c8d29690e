/// What a sample records: the inference itself, or its outcome (a label that
/// may arrive much later than the request).
public enum SampleKind: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case inference
    case outcome
}

/// How a request ended. Only `serverError` and `timeout` count as the model's
/// errors; client errors are the caller's fault and must not roll a model back.
public enum StatusClass: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case ok
    case clientError = "client_error"
    case serverError = "server_error"
    case timeout
}

/// One per-inference record, as a pure value. The agent converts shared-memory
/// records into this; the replayer converts trace rows into this.
///
/// An `outcome` sample counts against the version whose ring it was recorded in,
/// which is the version that served the request, however late it arrives.
public struct Sample: Sendable, Equatable, Hashable, Codable {
    public var kind: SampleKind
    public var status: StatusClass
    public var timestampNs: Int64
    public var latencyNs: Int64
    public var key: UInt64
    public var predictedClass: Int32?
    public var score: Float?
    public var confidence: Float?
    public var label: Int32?
    public var correct: Bool?

    public init(
        kind: SampleKind = .inference, status: StatusClass = .ok, timestampNs: Int64, latencyNs: Int64 = 0,
        key: UInt64 = 0, predictedClass: Int32? = nil, score: Float? = nil, confidence: Float? = nil,
        label: Int32? = nil, correct: Bool? = nil
    ) {
        self.kind = kind
        self.status = status
        self.timestampNs = timestampNs
        self.latencyNs = latencyNs
        self.key = key
        self.predictedClass = predictedClass
        self.score = score
        self.confidence = confidence
        self.label = label
        self.correct = correct
    }

    /// Whether the prediction was right, if the sample says: an explicit
    /// `correct` flag wins; otherwise a label compared with the prediction.
    public var isCorrect: Bool? {
        if let correct { return correct }
        if let label, let predictedClass { return label == predictedClass }
        return nil
    }
}
