/// Durations written the way plans write them ("500ms", "2s", "1.5m"; a bare
/// number is seconds), so scenario files read like the plans they embed.
public enum DurationText {
    /// Milliseconds, or nil when `text` is not a duration.
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingBlanks()
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count)), number.isFinite, number >= 0 else { return nil }
            return Int64((number * scale).rounded())
        }
        guard let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 else { return nil }
        return Int64((seconds * 1_000).rounded())
    }

    /// The shortest exact text for `ms`, as plans accept it.
    public static func text(milliseconds ms: Int64) -> String {
        ms % 1_000 == 0 ? "\(ms / 1_000)s" : "\(ms)ms"
    }
}

extension String {
    func trimmingBlanks() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}

/// A duration field of a scenario file: decoded from its text, kept in ms.
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
        guard let ms = DurationText.milliseconds(text) else {
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
