import Foundation

/// Number formatting for evidence sentences: short, stable across platforms.
enum Format {
    static func ms(_ value: Double) -> String {
        value >= 100 ? "\(Int(value.rounded())) ms" : String(format: "%.1f ms", value)
    }

    static func number(_ value: Double) -> String {
        if value >= 1e6 { return String(format: "%.2g", value) }
        if value >= 100 { return "\(Int(value.rounded()))" }
        return String(format: "%.3g", value)
    }
}
