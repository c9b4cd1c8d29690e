import CanaryCore

/// A duration field of a scenario: kept in ms, written as `DurationText`
/// (also in the JSON simulator spec the demo hands its child process).
public struct ScenarioDuration: Codable, Sendable, Hashable {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            milliseconds = Int64((number * 1_000).rounded())
            return
        }
        let text = try container.decode(String.self)
        guard let ms = DurationText.milliseconds(text), ms >= 0 else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a duration such as 500ms, 2s or 1m")
        }
        milliseconds = ms
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(DurationText.text(milliseconds: milliseconds))
    }

    /// This duration compressed by a fast-forward factor (never below 1 ms).
    public func scaled(by speed: Double) -> ScenarioDuration {
        ScenarioDuration(milliseconds: max(1, Int64((Double(milliseconds) / speed).rounded())))
    }
}
