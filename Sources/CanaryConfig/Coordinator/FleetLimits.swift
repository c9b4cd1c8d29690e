import CanaryCore

/// What the coordinator accepts from the wire before believing it, and how
/// much state peers it does not know may make it keep (`limits:` in the
/// coordinator config; every key optional, the defaults below).
///
/// The window bounds cap the work one window costs; the clock and sequence
/// bounds refuse windows no honest agent sends; the fleet sizes cap the
/// memory a flood of made-up agent ids, models or versions can take: past
/// them the entry silent for longest is evicted (and counted).
public struct FleetLimits: Sendable, Equatable {
    /// Buckets, classes, score bins and interval length of one window.
    public var window = WindowBounds.fleetDefault
    /// A window may end at most this far after the coordinator's clock.
    public var maxClockSkewMs: Int64 = 300_000
    /// A window may start at most this long before the agent's first
    /// contact (or now, whichever is earlier): resends after an outage.
    public var maxWindowAgeMs: Int64 = 86_400_000
    /// A window's sequence may lie at most this far beyond the highest one
    /// counted contiguously for its agent epoch.
    public var maxSequenceAhead: UInt64 = 1_000_000
    /// Distinct agent ids kept (with their de-duplication marks).
    public var maxAgents = 20_000
    /// Distinct models whose windows are counted.
    public var maxModels = 1_000
    /// Distinct versions per model whose windows are counted.
    public var maxVersionsPerModel = 16
    /// Rollouts kept in the engine's memory; finished ones beyond it are
    /// left to the journal and the read model (oldest first), and no more
    /// than this many may be in progress.
    public var maxRollouts = 1_000

    public init() {}

    public static let configKeys: Set<String> = [
        "max_latency_buckets", "max_prediction_classes", "max_score_bin_edges", "max_window",
        "max_clock_skew", "max_window_age", "max_sequence_ahead", "max_agents", "max_models",
        "max_versions_per_model", "max_rollouts",
    ]

    static func parse(_ mapping: ConfigMapping?) -> FleetLimits {
        var limits = FleetLimits()
        guard let mapping else { return limits }
        if let n = mapping["max_latency_buckets"]?.integer(in: 16...1_000_000) { limits.window.maxLatencyBuckets = Int(n) }
        if let n = mapping["max_prediction_classes"]?.integer(in: 1...Int64(WindowBounds.maxMergedPredictionClasses)) {
            limits.window.maxPredictionClasses = Int(n)
        }
        if let n = mapping["max_score_bin_edges"]?.integer(in: 0...65_536) { limits.window.maxScoreBinEdges = Int(n) }
        if let ms = mapping["max_window"]?.durationMs(in: 100...86_400_000) { limits.window.maxWindowMs = ms }
        if let ms = mapping["max_clock_skew"]?.durationMs(in: 1_000...86_400_000) { limits.maxClockSkewMs = ms }
        if let ms = mapping["max_window_age"]?.durationMs(in: 60_000...(366 * 86_400_000)) { limits.maxWindowAgeMs = ms }
        if let n = mapping["max_sequence_ahead"]?.integer(in: 1_000...(1 << 40)) { limits.maxSequenceAhead = UInt64(n) }
        if let n = mapping["max_agents"]?.integer(in: 1...10_000_000) { limits.maxAgents = Int(n) }
        if let n = mapping["max_models"]?.integer(in: 1...1_000_000) { limits.maxModels = Int(n) }
        if let n = mapping["max_versions_per_model"]?.integer(in: 2...1_000) { limits.maxVersionsPerModel = Int(n) }
        if let n = mapping["max_rollouts"]?.integer(in: 1...1_000_000) { limits.maxRollouts = Int(n) }
        return limits
    }

    /// The `limits:` section as the config encoder writes it.
    var yamlLines: [String] {
        [
            "limits:",
            "  max_latency_buckets: \(window.maxLatencyBuckets)",
            "  max_prediction_classes: \(window.maxPredictionClasses)",
            "  max_score_bin_edges: \(window.maxScoreBinEdges)",
            "  max_window: \(DurationText.text(milliseconds: window.maxWindowMs))",
            "  max_clock_skew: \(DurationText.text(milliseconds: maxClockSkewMs))",
            "  max_window_age: \(DurationText.text(milliseconds: maxWindowAgeMs))",
            "  max_sequence_ahead: \(maxSequenceAhead)",
            "  max_agents: \(maxAgents)",
            "  max_models: \(maxModels)",
            "  max_versions_per_model: \(maxVersionsPerModel)",
            "  max_rollouts: \(maxRollouts)",
        ]
    }
}
