import CanaryCore
import CanaryShm

extension CanaryCore.Sample {
    /// The pure sample of a shared-memory record; nil for a record whose
    /// kind or status byte is not one the layout defines (a foreign or
    /// corrupted writer) — the caller counts those as lost.
    init?(record: SampleRecord) {
        guard let kind = record.kind, let status = record.status else { return nil }
        var sample = CanaryCore.Sample(
            kind: kind == .inference ? .inference : .outcome,
            status: Self.status(status),
            timestampNs: Int64(clamping: record.timestampNanoseconds),
            latencyNs: Int64(clamping: record.latencyNanoseconds),
            key: record.key,
            confidence: record.confidence,
            label: record.label,
            correct: record.correct)
        switch record.prediction {
        case .classIndex(let id): sample.predictedClass = id
        case .score(let score): sample.score = score
        case nil: break
        }
        self = sample
    }

    private static func status(_ status: SampleStatus) -> StatusClass {
        switch status {
        case .ok: .ok
        case .clientError: .clientError
        case .serverError: .serverError
        case .timeout: .timeout
        }
    }
}
