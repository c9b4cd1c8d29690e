/// One row of a replay trace: what one version did (or would have done) for
/// one request. CSV header: `t_ms,key,version,latency_ms,status,prediction,label`.
public struct TraceRow: Sendable, Equatable, Hashable, Codable {
    /// 1-based line number in the file, for messages.
    public var line: Int
    public var tMs: Int64
    public var key: UInt64
    public var version: String
    public var latencyMs: Double
    public var status: StatusClass
    public var prediction: Int32?
    public var label: Int32?

    public init(line: Int, tMs: Int64, key: UInt64, version: String, latencyMs: Double, status: StatusClass, prediction: Int32? = nil, label: Int32? = nil) {
        self.line = line
        self.tMs = tMs
        self.key = key
        self.version = version
        self.latencyMs = latencyMs
        self.status = status
        self.prediction = prediction
        self.label = label
    }

    /// The sample this row stands for (labels in a trace are immediate).
    public var sample: Sample {
        Sample(
            kind: .inference, status: status, timestampNs: tMs * 1_000_000, latencyNs: Int64((latencyMs * 1_000_000).rounded()),
            key: key, predictedClass: prediction, label: prediction == nil ? nil : label)
    }
}

/// A malformed trace line.
public struct TraceIssue: Error, Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}
