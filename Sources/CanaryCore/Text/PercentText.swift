/// The one percentage text of the project, parsed and printed the same way
/// in plans, verdict sentences, the CLI and the demo.
///
/// Printing rule: the value rounded to the part per million (the finest
/// weight a route page holds, 0.0001 %), with as many decimals as that needs
/// and no trailing zeros — so 100 ppm is "0.01%", 1 ppm "0.0001%", 50 %
/// "50%", and no non-zero ppm ever prints as 0. `minimumDecimals` pads for
/// aligned columns ("10.00 %"); `separator` is what goes before the sign.
public enum PercentText {
    /// A fraction (1.0 = 100 %) from `5%`, `0.1 %` or a bare fraction such
    /// as `0.05`; nil when the text is neither.
    public static func fraction(_ text: String) -> Double? {
        let trimmed = text.trimmingBlanks()
        let percent = trimmed.hasSuffix("%")
        let number = percent ? String(trimmed.dropLast()).trimmingBlanks() : trimmed
        guard let value = Double(number), value.isFinite else { return nil }
        return percent ? value / 100 : value
    }

    /// Parts per million of `fraction`, rounded to the nearest ppm.
    public static func ppm(fraction: Double) -> Int64 {
        let scaled = fraction * 1_000_000
        guard scaled.isFinite else { return 0 }
        return Int64(Swift.max(-9e18, Swift.min(9e18, scaled.rounded())))
    }

    public static func text(ppm: some BinaryInteger, minimumDecimals: Int = 0, separator: String = "") -> String {
        let value = Int64(clamping: ppm)
        let magnitude = value.magnitude
        var decimals = String(magnitude % 10_000)
        decimals = String(repeating: "0", count: 4 - decimals.count) + decimals
        while decimals.last == "0" { decimals.removeLast() }
        while decimals.count < Swift.min(minimumDecimals, 4) { decimals.append("0") }
        let sign = value < 0 ? "-" : ""
        return sign + "\(magnitude / 10_000)" + (decimals.isEmpty ? "" : "." + decimals) + separator + "%"
    }

    /// The form verdict sentences use: "20 %", "0.01 %".
    public static func sentence(_ fraction: Double) -> String {
        text(fraction: fraction, separator: " ")
    }

    /// A measured share (not a weight) printed by the same rule.
    public static func text(fraction: Double, minimumDecimals: Int = 0, separator: String = "") -> String {
        guard fraction.isFinite else { return "\(fraction * 100)\(separator)%" }
        return text(ppm: ppm(fraction: fraction), minimumDecimals: minimumDecimals, separator: separator)
    }
}
