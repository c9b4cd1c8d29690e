import CanaryCore

extension HistogramSettings {
    /// Reads `histogram: {lowest_us, highest_us, significant_digits}`; absent
    /// keys keep the fleet default. Every agent and the coordinator must use
    /// the same value: windows with other settings are refused.
    static func parse(_ mapping: ConfigMapping?) -> HistogramSettings {
        var settings = HistogramSettings.fleetDefault
        guard let mapping else { return settings }
        if let lowest = mapping["lowest_us"]?.integer(in: 1...1_000_000) { settings.lowestMicros = UInt64(lowest) }
        if let highest = mapping["highest_us"]?.integer(in: 2...3_600_000_000) { settings.highestMicros = UInt64(highest) }
        if let digits = mapping["significant_digits"]?.integer(in: 1...5) { settings.significantDigits = Int(digits) }
        do {
            try settings.validate()
        } catch {
            mapping.fail(at: "highest_us", "histogram: \(error.message)")
        }
        return settings
    }

    public static let configKeys: Set<String> = ["lowest_us", "highest_us", "significant_digits"]
}
