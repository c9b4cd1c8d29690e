import Foundation

/// Number formatting for evidence sentences: short, stable across platforms.
enum Format {
    static func ms(_ value: Double) -> String {
        value >= 100 ? "\(Int(value.rounded())) ms" : String(format: "%.1f ms", value)
    }

    /// A latency slack, exact to the microsecond below a millisecond (a
    /// 50 µs margin must not print as 0.1 ms).
    static func slack(_ value: Double) -> String {
        value < 1 ? "\(Int((value * 1000).rounded())) µs" : ms(value)
    }

    static func number(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2g", value) }
        if value >= 100 { return "\(Int(value.rounded()))" }
        return String(format: "%.3g", value)
    }
}
