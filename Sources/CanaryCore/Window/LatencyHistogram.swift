import Histogram

/// One (value, count) pair of a histogram's sparse export. `value` is the
/// highest value equivalent to its bucket, so recording it again lands in the
/// same bucket: export → import is exact.
public struct LatencyBucket: Sendable, Equatable, Hashable, Codable {
    public var valueMicros: UInt64
    public var count: UInt64

    public init(valueMicros: UInt64, count: UInt64) {
        self.valueMicros = valueMicros
        self.count = count
    }
}

/// A latency distribution in microseconds, wrapping hdrhistogram-swift.
///
/// Differences from the raw `Histogram`: merge checks the settings and throws
/// instead of trapping; values outside the range are clamped (and counted)
/// rather than silently dropped; equality and Codable go through the sparse
/// bucket list, which is also what CanaryWire serialises.
public struct LatencyHistogram: Sendable {
    public let settings: HistogramSettings
    private var histogram: Histogram<UInt64>
    /// Values recorded above the range and clamped to `highestMicros`.
    public private(set) var clampedCount: UInt64 = 0

    public init(settings: HistogramSettings) throws(WindowError) {
        try settings.validate()
        self.settings = settings
        guard let digits = SignificantDigits(rawValue: Int8(settings.significantDigits)) else {
            throw WindowError(.invalidHistogramSettings, "unsupported significant digits \(settings.significantDigits)")
        }
        histogram = Histogram<UInt64>(
            lowestDiscernibleValue: settings.lowestMicros, highestTrackableValue: settings.highestMicros,
            numberOfSignificantValueDigits: digits)
    }

    /// An empty histogram with the fleet default settings.
    public init() {
        // The default settings are valid by construction (checked in tests).
        self = try! LatencyHistogram(settings: .fleetDefault)
    }

    /// Rebuilds a histogram from its sparse export. Throws if a bucket lies
    /// outside the settings' range (a foreign or corrupted export).
    public init(settings: HistogramSettings, buckets: [LatencyBucket], clampedCount: UInt64 = 0) throws(WindowError) {
        try self.init(settings: settings)
        var total: UInt64 = 0
        for bucket in buckets where bucket.count > 0 {
            guard let sum = WindowBounds.add(total, bucket.count) else {
                throw WindowError(.countOverflow, "histogram buckets count more than the 2^53 values a histogram may carry")
            }
            total = sum
            // The top bucket's highest equivalent value may lie a little above
            // `highestMicros`; `record` refuses only what has no bucket.
            guard histogram.record(bucket.valueMicros, count: bucket.count) else {
                throw WindowError(.invalidHistogramBucket, "histogram bucket at \(bucket.valueMicros) µs lies outside \(settings)")
            }
        }
        self.clampedCount = clampedCount
    }

    public var totalCount: UInt64 { histogram.totalCount }

    public mutating func record(micros: UInt64, count: UInt64 = 1) {
        guard count > 0 else { return }
        var value = max(micros, settings.lowestMicros)
        if value > settings.highestMicros {
            value = settings.highestMicros
            clampedCount &+= count
        }
        histogram.record(value, count: count)
    }

    public mutating func record(nanos: Int64, count: UInt64 = 1) {
        record(micros: UInt64(max(0, nanos) / 1000), count: count)
    }

    /// Adds `other` bucket by bucket. Throws on a settings mismatch, where
    /// hdrhistogram-swift's `add` would trap.
    public mutating func merge(_ other: LatencyHistogram) throws(WindowError) {
        guard settings == other.settings else {
            throw WindowError(.histogramSettingsMismatch, "cannot merge latency histograms with settings \(settings) and \(other.settings)")
        }
        guard let total = WindowBounds.add(totalCount, other.totalCount),
              let clamped = WindowBounds.add(clampedCount, other.clampedCount) else {
            throw WindowError(.countOverflow, "merging latency histograms of \(totalCount) and \(other.totalCount) values would exceed the 2^53 a histogram may carry")
        }
        histogram.add(other.histogram)
        assert(histogram.totalCount == total)
        clampedCount = clamped
    }

    /// The value at quantile `q` in [0, 1], in microseconds (0 when empty):
    /// the highest value equivalent to the bucket holding the q-th sample.
    ///
    /// `valueAtPercentile` clamps its answer to the exact min/max recorded,
    /// which a histogram rebuilt from its sparse export does not know;
    /// widening the answer to its bucket's highest equivalent value undoes the
    /// clamp (the clamped value lies in the same bucket), so the original and
    /// the rebuilt histogram answer exactly the same.
    public func quantile(_ q: Double) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        let percentile = Swift.min(100, Swift.max(0, q * 100))
        return histogram.highestEquivalentForValue(histogram.valueAtPercentile(percentile))
    }

    /// How many recorded values are strictly above `micros` (at bucket
    /// resolution: values equivalent to `micros` count as not above).
    public func countAbove(micros: UInt64) -> UInt64 {
        guard totalCount > 0 else { return 0 }
        if micros >= settings.highestMicros { return 0 }
        let upTo = histogram.count(within: 0...micros)
        return totalCount - min(upTo, totalCount)
    }

    /// The sparse export: non-zero buckets in increasing value order.
    ///
    /// Walks the layout's buckets from the lowest to the highest recorded
    /// value rather than using `recordedValues()`, whose iterator keeps a
    /// running sum of count × value that traps on large counts: this costs
    /// one step per bucket of the layout, whatever the counts.
    public var buckets: [LatencyBucket] {
        guard totalCount > 0 else { return [] }
        var result: [LatencyBucket] = []
        var value = histogram.lowestEquivalentForValue(histogram.min)
        let top = histogram.max
        while value <= top {
            let count = UInt64(histogram.countForValue(value))
            let highest = histogram.highestEquivalentForValue(value)
            if count > 0 { result.append(LatencyBucket(valueMicros: highest, count: count)) }
            let next = histogram.nextNonEquivalentForValue(value)
            guard next > value else { break }
            value = next
        }
        return result
    }
}

extension LatencyHistogram: Equatable {
    public static func == (lhs: LatencyHistogram, rhs: LatencyHistogram) -> Bool {
        lhs.settings == rhs.settings && lhs.totalCount == rhs.totalCount && lhs.clampedCount == rhs.clampedCount
            && lhs.buckets == rhs.buckets
    }
}

extension LatencyHistogram: Codable {
    private enum CodingKeys: String, CodingKey { case settings, buckets, clampedCount }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            settings: container.decode(HistogramSettings.self, forKey: .settings),
            buckets: container.decode([LatencyBucket].self, forKey: .buckets),
            clampedCount: container.decodeIfPresent(UInt64.self, forKey: .clampedCount) ?? 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(settings, forKey: .settings)
        try container.encode(buckets, forKey: .buckets)
        try container.encode(clampedCount, forKey: .clampedCount)
    }
}
