/// The baseline as it was just before the rollout began: what a
/// `baseline_interference` guard compares the baseline since the start
/// with. The coordinator merges it from the windows it received in the
/// `reference` period before the start and hands it to the machine once,
/// before `.start` (RolloutEvent.reference); the machine keeps it in its
/// journaled state, so a rollout recovered after a restart still has it.
public struct BaselineReference: Sendable, Equatable, Codable {
    /// The baseline's windows of the period, merged; nil when none arrived
    /// (a coordinator that had just started, a baseline with no traffic).
    public var window: Window?
    /// The period the plan asked for.
    public var askedMs: Int64
    /// How much of it the windows really span (at most `askedMs`).
    public var coveredMs: Int64

    public init(window: Window?, askedMs: Int64, coveredMs: Int64) {
        self.window = window
        self.askedMs = askedMs
        self.coveredMs = coveredMs
    }

    /// "the 5 m before it", or "the 2 m 10 s before it (of the 5 m asked)"
    /// when the coordinator had less.
    public var periodText: String {
        let asked = Self.text(askedMs)
        return coveredMs >= askedMs ? "the \(asked) before it" : "the \(Self.text(coveredMs)) before it (of the \(asked) asked)"
    }

    /// Minutes and seconds, as people say a reference period: `5 m`, `2 m 10 s`, `40 s`.
    public static func text(_ ms: Int64) -> String {
        let seconds = Swift.max(0, ms) / 1_000
        let (m, s) = (seconds / 60, seconds % 60)
        if m == 0 { return ms < 1_000 && ms > 0 ? "\(ms) ms" : "\(s) s" }
        return s == 0 ? "\(m) m" : "\(m) m \(s) s"
    }
}

extension Guard {
    /// The reference period a `baseline_interference` guard asks for by default.
    public static let defaultReferenceMs: Int64 = 300_000
    /// The longest reference a plan may ask for: what the coordinator keeps
    /// of every version's windows (BaselineReferences.swift).
    public static let maxReferenceMs: Int64 = 600_000
    /// What a `baseline_interference` guard may watch.
    public static let interferenceMetrics: [GuardMetric] = [.errorRate, .latencyP50, .latencyP95, .latencyP99, .latencyOver]
}

extension RolloutPlan {
    /// The reference period the plan's `baseline_interference` guards
    /// share, or nil when it has none.
    public var interferenceReferenceMs: Int64? {
        guards.first { $0.metric == .baselineInterference }.map { $0.referenceMs ?? Guard.defaultReferenceMs }
    }

    /// What `validate()` refuses about `baseline_interference` guards.
    func interferenceIssues() -> [String] {
        var issues: [String] = []
        let shared = interferenceReferenceMs
        for g in guards where g.metric == .baselineInterference {
            if let of = g.interferenceOf {
                if !Guard.interferenceMetrics.contains(of) {
                    issues.append("guard \(g.name): baseline_interference watches one of \(Guard.interferenceMetrics.map(\.rawValue).joined(separator: ", ")), not \(of.rawValue)")
                }
                if of == .latencyOver, g.thresholdMs == nil { issues.append("guard \(g.name): latency_over needs a threshold") }
            } else {
                issues.append("guard \(g.name): baseline_interference needs `of` (the baseline metric it watches)")
            }
            if g.tolerance == nil { issues.append("guard \(g.name): baseline_interference needs a tolerance") }
            let reference = g.referenceMs ?? Guard.defaultReferenceMs
            if reference <= 0 || reference > Guard.maxReferenceMs {
                issues.append("guard \(g.name): reference must be positive and at most \(BaselineReference.text(Guard.maxReferenceMs)), the coordinator keeps no more")
            }
            if reference != shared { issues.append("guard \(g.name): every baseline_interference guard of a plan shares one reference period") }
        }
        for g in guards where g.metric != .baselineInterference && (g.interferenceOf != nil || g.referenceMs != nil) {
            issues.append("guard \(g.name): `of` and `reference` belong to baseline_interference")
        }
        return issues
    }
}
