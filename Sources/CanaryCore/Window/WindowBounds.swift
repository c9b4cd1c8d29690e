/// What one window may carry before anything believes it.
///
/// Two kinds of limit. The hard ones are what the data structures carry:
/// an HDR histogram's total and its running sums are `UInt64`, the JSON the
/// API writes is exact only up to 2⁵³, so every count of a window, and of
/// any merge of windows, stays at or below ``maxCount``; sequences stay below
/// 2⁶³ so they fit the journal's signed columns. The soft ones are fleet
/// settings (`limits:` in the coordinator config): how many latency buckets,
/// prediction classes and score bins a window may list, and how long it
/// may be — they bound the work one window costs, whatever counts it holds.
public struct WindowBounds: Sendable, Equatable, Hashable {
    /// The largest count a window or a merge of windows may hold: 2⁵³.
    public static let maxCount: UInt64 = 1 << 53
    /// Sequences are below 2⁶³ (the journal stores them as signed 64-bit).
    public static let maxSequence: UInt64 = UInt64(Int64.max)
    /// Distinct prediction classes a merge of windows may hold (a rollout's
    /// cumulative arm): bounds its memory and the drift guard's work.
    public static let maxMergedPredictionClasses = 65_536

    /// Non-zero latency buckets one window may list.
    public var maxLatencyBuckets: Int
    /// Distinct prediction classes one window (or a merge) may count.
    public var maxPredictionClasses: Int
    /// Score bin edges one window may carry.
    public var maxScoreBinEdges: Int
    /// The longest interval one window may cover, in ms.
    public var maxWindowMs: Int64

    public init(maxLatencyBuckets: Int = 4_096, maxPredictionClasses: Int = 1_024, maxScoreBinEdges: Int = 256,
                maxWindowMs: Int64 = 60_000) {
        self.maxLatencyBuckets = maxLatencyBuckets
        self.maxPredictionClasses = maxPredictionClasses
        self.maxScoreBinEdges = maxScoreBinEdges
        self.maxWindowMs = maxWindowMs
    }

    public static let fleetDefault = WindowBounds()

    /// `a + b`, or nil when the sum would exceed ``maxCount``.
    @inlinable
    public static func add(_ a: UInt64, _ b: UInt64) -> UInt64? {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow || sum > maxCount ? nil : sum
    }
}
