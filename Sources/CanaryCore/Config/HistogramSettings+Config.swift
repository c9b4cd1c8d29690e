extension HistogramSettings {
    /// Reads `histogram: {lowest_us, highest_us, significant_digits}`; absent
    /// keys keep the fleet default. Every agent and the coordinator must use
    /// the same value: windows with other settings are refused.
    public static func parse(_ mapping: ConfigMapping?) throws(ConfigError) -> HistogramSettings {
        var settings = HistogramSettings.fleetDefault
        guard let mapping else { return settings }
        if let lowest = try mapping.integer("lowest_us", in: 1...1_000_000) { settings.lowestMicros = UInt64(lowest) }
        if let highest = try mapping.integer("highest_us", in: 2...3_600_000_000) { settings.highestMicros = UInt64(highest) }
        if let digits = try mapping.integer("significant_digits", in: 1...5) { settings.significantDigits = Int(digits) }
        do {
            try settings.validate()
        } catch {
            throw mapping.error(at: "highest_us", "histogram: \(error.message)")
        }
        return settings
    }

    public static let configKeys: Set<String> = ["lowest_us", "highest_us", "significant_digits"]
}
