import CCanaryShm

/// One sample as read from the ring: the 64-byte record itself, decoded on
/// access. Same size and layout as `canary_record`, so the reader copies
/// straight into a buffer of these with no per-sample conversion.
public struct SampleRecord: Sendable {
    public var raw: canary_record

    public init(raw: canary_record) { self.raw = raw }

    /// The ring ticket this record was written under (0, 1, 2, …).
    public var ticket: UInt64 { raw.commit / 2 - 1 }
    /// Inference or outcome; nil for a kind this build does not know.
    public var kind: SampleKind? { SampleKind(rawValue: raw.kind) }
    /// Status class; nil for a class this build does not know.
    public var status: SampleStatus? { SampleStatus(rawValue: raw.status) }
    /// Wall-clock time of recording, ns since the Unix epoch (CLOCK_REALTIME).
    public var timestampNanoseconds: UInt64 { raw.timestamp_ns }
    public var latencyNanoseconds: UInt64 { raw.latency_ns }
    public var latency: Duration { .nanoseconds(Int64(clamping: raw.latency_ns)) }
    /// Request key hash (see `RequestKey`).
    public var key: UInt64 { raw.key }
    public var prediction: Prediction? {
        if raw.flags & UInt8(CANARY_HAS_PREDICTION) != 0 { return .classIndex(raw.prediction) }
        if raw.flags & UInt8(CANARY_HAS_SCORE) != 0 { return .score(raw.score) }
        return nil
    }
    public var confidence: Float? { raw.flags & UInt8(CANARY_HAS_CONFIDENCE) != 0 ? raw.confidence : nil }
    /// True label of an outcome record.
    public var label: Int32? { raw.flags & UInt8(CANARY_HAS_LABEL) != 0 ? raw.label : nil }
    /// Whether the earlier prediction was right, for an outcome record.
    public var correct: Bool? { raw.flags & UInt8(CANARY_HAS_CORRECT) != 0 ? raw.correct != 0 : nil }
}

/// Turns string request ids into the 64-bit keys records and routing use,
/// with FNV-1a 64 from canary_shm.h so every language agrees.
public enum RequestKey {
    public static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { canary_key_hash($0.baseAddress, $0.count) }
    }
}
