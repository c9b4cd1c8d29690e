import CCanaryShm

/// What a Swift model server calls once per inference. Never blocks, never
/// fails: a full ring is overwritten and the agent counts what it lost.
///
/// `@unchecked Sendable`: many threads may record through one recorder; each
/// record is an atomic fetch-add claim on shared memory (canary_ring_write).
public final class SampleRecorder: @unchecked Sendable {
    private let mapped: MappedRing
    /// The bound ring, allocated once so the hot path passes a stable pointer
    /// to C with no exclusivity check (a `var` property would get one per call).
    @usableFromInline let ring: UnsafeMutablePointer<canary_ring>

    /// Opens (or creates) the ring of `configuration`.
    public init(_ configuration: RingConfiguration) throws(ShmError) {
        mapped = try MappedRing.open(configuration)
        ring = .allocate(capacity: 1)
        ring.initialize(to: mapped.ring)
    }

    deinit { ring.deallocate() }

    public var name: String { mapped.mapping.name }
    public var capacity: Int { Int(ring.pointee.mask + 1) }
    /// True if this recorder created the segment.
    public var createdSegment: Bool { mapped.mapping.created }

    /// Records one inference.
    /// - Parameters:
    ///   - latency: time the inference took.
    ///   - prediction: predicted class or score, if any.
    ///   - confidence: the model's confidence in it, if any.
    ///   - key: request key hash (`RequestKey.hash`), the routing key.
    ///   - label: the true class when it is known at inference time: the
    ///     sample then counts as labeled at once (correct when it equals
    ///     the predicted class).
    @inlinable
    public func record(
        latency: Duration, status: SampleStatus = .ok, prediction: Prediction? = nil,
        confidence: Float? = nil, key: UInt64 = 0, label: Int32? = nil
    ) {
        record(latencyNanoseconds: Self.nanoseconds(latency), status: status, prediction: prediction, confidence: confidence,
               key: key, label: label)
    }

    /// Duration → ns, clamped at 0. `components` divides a 128-bit value by
    /// 10^18 on every call (~8 ns); latencies under 18 s fit 64 bits of
    /// attoseconds, where dividing by 10^9 is a multiply.
    @inlinable
    static func nanoseconds(_ d: Duration) -> UInt64 {
        let atto = d.attoseconds
        if atto >= 0 && atto <= Int128(UInt64.max) { return UInt64(truncatingIfNeeded: atto) / 1_000_000_000 }
        if atto < 0 { return 0 }
        return UInt64(clamping: atto / 1_000_000_000)
    }

    /// Records one inference with its latency in nanoseconds.
    @inlinable
    public func record(
        latencyNanoseconds: UInt64, status: SampleStatus = .ok, prediction: Prediction? = nil,
        confidence: Float? = nil, key: UInt64 = 0, label: Int32? = nil
    ) {
        var flags: UInt8 = 0
        var classIndex: Int32 = 0
        var score: Float = 0
        switch prediction {
        case .classIndex(let c)?: flags |= UInt8(CANARY_HAS_PREDICTION); classIndex = c
        case .score(let s)?: flags |= UInt8(CANARY_HAS_SCORE); score = s
        case nil: break
        }
        if confidence != nil { flags |= UInt8(CANARY_HAS_CONFIDENCE) }
        if label != nil { flags |= UInt8(CANARY_HAS_LABEL) }
        writeInference(status.rawValue, flags, latencyNanoseconds, key, classIndex, score, confidence ?? 0, label ?? 0)
    }

    @inlinable
    func writeInference(_ status: UInt8, _ flags: UInt8, _ latency: UInt64, _ key: UInt64,
                        _ classIndex: Int32, _ score: Float, _ confidence: Float, _ label: Int32) {
        canary_ring_record_labeled(ring, status, flags, latency, key, classIndex, score, confidence, label)
    }

    /// Records the ground truth for an earlier request with the same `key`.
    /// A `label` alone is judged by the agent against the prediction it read
    /// for that key (agent config `labels`); with `predicted` — what was
    /// predicted for the request — the outcome is self-contained and may be
    /// recorded in any ring of the version that served it (another replica,
    /// a central label feed). `correct` says it outright.
    public func recordOutcome(key: UInt64, label: Int32? = nil, correct: Bool? = nil, predicted: Int32? = nil) {
        var flags: UInt8 = 0
        if label != nil { flags |= UInt8(CANARY_HAS_LABEL) }
        if correct != nil { flags |= UInt8(CANARY_HAS_CORRECT) }
        if predicted != nil { flags |= UInt8(CANARY_HAS_PREDICTION) }
        canary_ring_record_outcome_predicted(ring, key, flags, label ?? 0, (correct ?? false) ? 1 : 0, predicted ?? 0)
    }
}
