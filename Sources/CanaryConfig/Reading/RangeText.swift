import CanaryCore

/// How range checks read in messages: "between 1 and 5", "positive",
/// "zero or positive", "at least 10 ms".
enum RangeText {
    static func describe(_ range: ClosedRange<Int64>, unit: String = "") -> String {
        switch (range.lowerBound, range.upperBound) {
        case (0, .max): "zero or positive"
        case (1, .max): "positive"
        case (let low, .max): "at least \(low)\(unit)"
        case (let low, let high): "between \(low)\(unit) and \(high)\(unit)"
        }
    }

    static func describe(_ range: ClosedRange<Double>) -> String {
        let (low, high) = (range.lowerBound, range.upperBound)
        if high.isInfinite { return low.isInfinite ? "a number" : low == 0 ? "zero or positive" : "at least \(low)" }
        return "between \(low) and \(high)"
    }

    static func describePercent(_ range: ClosedRange<Double>) -> String {
        let low = PercentText.text(fraction: range.lowerBound, separator: " ")
        guard range.upperBound.isFinite else { return range.lowerBound == 0 ? "zero or positive" : "at least \(low)" }
        return "between \(low) and \(PercentText.text(fraction: range.upperBound, separator: " "))"
    }
}
