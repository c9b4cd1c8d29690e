/// The layout of every latency histogram in a fleet, in microseconds.
///
/// One fleet-wide value (default 1 µs – 60 s, 3 significant digits) is what
/// makes windows from different hosts merge exactly: two HDR histograms with
/// the same layout add bucket by bucket with no rounding.
public struct HistogramSettings: Sendable, Equatable, Hashable, Codable {
    public var lowestMicros: UInt64
    public var highestMicros: UInt64
    public var significantDigits: Int

    public init(lowestMicros: UInt64, highestMicros: UInt64, significantDigits: Int) {
        self.lowestMicros = lowestMicros
        self.highestMicros = highestMicros
        self.significantDigits = significantDigits
    }

    /// 1 µs to 60 s at 2 significant digits (1 % relative error): fine enough
    /// to tell a p99 of 41 ms from 39 ms, and 7× smaller than 3 digits, which
    /// matters because the coordinator merges a histogram per window.
    public static let fleetDefault = HistogramSettings(lowestMicros: 1, highestMicros: 60_000_000, significantDigits: 2)

    /// Checks what hdrhistogram-swift would otherwise trap on.
    public func validate() throws(WindowError) {
        guard lowestMicros >= 1, highestMicros >= 2 * lowestMicros, (0...5).contains(significantDigits) else {
            throw WindowError(.invalidHistogramSettings, "histogram settings \(self) are invalid: need lowest ≥ 1 µs, highest ≥ 2 × lowest, and 0–5 significant digits")
        }
    }
}

extension HistogramSettings: CustomStringConvertible {
    public var description: String { "\(lowestMicros)µs–\(highestMicros)µs/\(significantDigits)d" }
}
