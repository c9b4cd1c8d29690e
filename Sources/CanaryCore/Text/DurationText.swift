/// The one duration text every file and message uses: `500ms`, `30s`,
/// `1.5m`, `1h`, a bare number is seconds (plans refuse bare times: they
/// hold latencies too). Plans, agent and coordinator configurations and
/// scenarios all read durations through this.
public enum DurationText {
    /// Milliseconds, or nil when `text` is not a duration. May be negative
    /// (`-1s`): the caller checks the range and says what it must be.
    public static func milliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingBlanks()
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            return whole(String(trimmed.dropLast(suffix.count)).trimmingBlanks(), scale)
        }
        return whole(trimmed, 1_000)
    }

    /// The shortest exact text for `ms` that `milliseconds` reads back.
    public static func text(milliseconds ms: Int64) -> String {
        ms % 1_000 == 0 ? "\(ms / 1_000)s" : "\(ms)ms"
    }

    /// Milliseconds as seconds with one decimal, for sentences: `6.2 s`.
    public static func seconds(milliseconds ms: Int64) -> String {
        "\(ms < 0 ? "-" : "")\(abs(ms / 1_000)).\(abs(ms % 1_000) / 100) s"
    }

    private static func whole(_ number: String, _ scale: Double) -> Int64? {
        // Bounded so the conversion to Int64 cannot trap (±100 years).
        guard let value = Double(number), value.isFinite, abs(value * scale) < 3.2e12 else { return nil }
        return Int64((value * scale).rounded())
    }
}

extension StringProtocol {
    /// Without leading and trailing whitespace (Foundation-free, for Core).
    package func trimmingBlanks() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
