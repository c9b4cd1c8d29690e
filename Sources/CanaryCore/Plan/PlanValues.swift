/// Parsing of the scalar forms plans use: durations (`500ms`, `30s`, `5m`,
/// `1h`, bare numbers are seconds) and shares (`5%`, `0.1%`, or a bare
/// fraction such as `0.05`).
enum PlanValues {
    /// Milliseconds, or nil when the text is not a duration. May be negative:
    /// the caller reports that with a better sentence.
    static func durationMs(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            guard let number = Double(trimmed.dropLast(suffix.count).trimmingSpaces), number.isFinite else { return nil }
            return Int64((number * scale).rounded())
        }
        guard let seconds = Double(trimmed), seconds.isFinite else { return nil }
        return Int64((seconds * 1000).rounded())
    }

    /// A fraction (1.0 = 100 %), or nil when the text is not a share.
    static func fraction(_ text: String) -> Double? {
        let trimmed = text.trimmingSpaces
        if trimmed.hasSuffix("%") {
            guard let percent = Double(trimmed.dropLast().trimmingSpaces), percent.isFinite else { return nil }
            return percent / 100
        }
        guard let value = Double(trimmed), value.isFinite else { return nil }
        return value
    }

    /// Parts per million from a fraction, rounded to the nearest ppm.
    static func ppm(_ fraction: Double) -> Int64 {
        Int64((fraction * 1_000_000).rounded())
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return String(s)
    }
}
