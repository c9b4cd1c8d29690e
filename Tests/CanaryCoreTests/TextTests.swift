import CanaryCore
import Testing

/// The one duration and the one percentage text of the project.
@Suite("Duration and percent text")
struct TextTests {
    @Test("durations: units, bare seconds, blanks, signs; nonsense is nil", arguments: [
        ("500ms", Int64(500)), ("30s", 30_000), ("1.5m", 90_000), ("1h", 3_600_000), ("2", 2_000), ("0.25", 250),
        (" 5 s ", 5_000), ("-1s", -1_000), ("0", 0),
    ])
    func durations(text: String, ms: Int64) {
        #expect(DurationText.milliseconds(text) == ms)
    }

    @Test(arguments: ["soon", "5x", "ms", "", "inf", "nan s", "1e30s", "1,5s"])
    func notDurations(text: String) {
        #expect(DurationText.milliseconds(text) == nil)
    }

    @Test func durationTextReadsBack() {
        #expect(DurationText.text(milliseconds: 2_000) == "2s")
        #expect(DurationText.text(milliseconds: 1_500) == "1500ms")
        for ms in [Int64(0), 1, 999, 1_000, 61_000, 3_600_000, 86_400_001] {
            #expect(DurationText.milliseconds(DurationText.text(milliseconds: ms)) == ms)
        }
    }

    @Test("percent: exact to the ppm, shortest, 100 ppm is 0.01%", arguments: [
        (Int64(100), "0.01%"), (1, "0.0001%"), (0, "0%"), (50, "0.005%"), (125_000, "12.5%"), (123_456, "12.3456%"),
        (500_000, "50%"), (1_000_000, "100%"), (-2_500, "-0.25%"),
    ])
    func percentText(ppm: Int64, text: String) {
        #expect(PercentText.text(ppm: ppm) == text)
    }

    @Test("aligned columns pad to the minimum decimals but never cut a ppm")
    func paddedPercent() {
        #expect(PercentText.text(ppm: 100_000, minimumDecimals: 2, separator: " ") == "10.00 %")
        #expect(PercentText.text(ppm: 125_000, minimumDecimals: 2, separator: " ") == "12.50 %")
        #expect(PercentText.text(ppm: 100, minimumDecimals: 2, separator: " ") == "0.01 %")
        #expect(PercentText.text(ppm: 1, minimumDecimals: 2, separator: " ") == "0.0001 %")
        #expect(PercentText.text(fraction: 0.2, separator: " ") == "20 %")
        #expect(PercentText.text(fraction: 0.000_1) == "0.01%")
    }

    @Test("no non-zero weight prints as zero, and every weight reads back exactly")
    func everyWeightReadsBack() {
        for ppm in Array(0...20_000) + Array(stride(from: 20_001, through: 1_000_000, by: 997)) + [999_999, 1_000_000] {
            let text = PercentText.text(ppm: ppm)
            #expect(ppm == 0 || text != "0%")
            #expect(PercentText.fraction(text).map { PercentText.ppm(fraction: $0) } == Int64(ppm), "\(ppm) → \(text)")
        }
    }

    @Test("shares parse as percentages or bare fractions", arguments: [
        ("5%", 0.05), ("0.1 %", 0.001), ("0.05", 0.05), (" 100% ", 1.0),
    ])
    func fractions(text: String, value: Double) {
        #expect(PercentText.fraction(text) == value)
    }

    @Test(arguments: ["%", "five", "5%%", ""])
    func notFractions(text: String) {
        #expect(PercentText.fraction(text) == nil)
    }
}
