import Foundation

/// Backtests a plan: runs the real judge and state machine over a trace on
/// simulated time.
///
/// Rows are taken in time order. Rows sharing (t_ms, key) are alternatives —
/// what each version would have done — and the request is routed by the
/// plan's split at that moment with `RouteHash` (canary iff its bucket is
/// below the canary's ppm), exactly as the route page would; a lone row is
/// used as recorded. Samples are aggregated into windows of `windowMs`
/// simulated time per version; at every window boundary the closed windows
/// are fed to the machine (baseline first) followed by a tick.
public struct TraceReplayer: Sendable {
    public let plan: RolloutPlan
    public let windowMs: Int64

    public init(plan: RolloutPlan, windowMs: Int64 = 1000) {
        self.plan = plan
        self.windowMs = max(1, windowMs)
    }

    public enum Outcome: String, Sendable, Equatable, Codable {
        case promoted
        case rolledBack = "rolled_back"
        case paused
        case aborted
        case inProgress = "in_progress"
    }

    public struct Result: Sendable, Equatable {
        public var decisions: [Decision]
        public var outcome: Outcome
        public var endMs: Int64
        public var issues: [TraceIssue]
        /// Header columns replay does not use.
        public var ignoredColumns: [String] = []
        public var machine: RolloutMachine
    }

    /// Parses and replays a trace. Throws what leaves nothing to replay
    /// (TraceCSV.parse) and a trace without the plan's versions.
    public func run(csv: String) throws(TraceIssue) -> Result {
        let parsed = try TraceCSV.parse(csv)
        if let problem = versionProblem(in: parsed.rows) { throw TraceIssue(line: 0, message: problem) }
        var result = run(rows: parsed.rows)
        result.issues = parsed.issues
        result.ignoredColumns = parsed.ignoredColumns
        return result
    }

    /// Why the trace cannot test this plan: it lacks the baseline's or the
    /// canary's rows (it would replay to `in_progress` judging nothing).
    public func versionProblem(in rows: [TraceRow]) -> String? {
        let versions = Set(rows.map(\.version))
        let listed = versions.sorted().joined(separator: ", ")
        let has = "the trace has \(versions.count == 1 ? "version" : "versions") \(listed)"
        switch (versions.contains(plan.baseline), versions.contains(plan.canary)) {
        case (true, true): return nil
        case (false, false): return "\(has); the plan names baseline \(plan.baseline) and canary \(plan.canary), neither of which occurs in it"
        case (false, true): return "\(has) but no row of the plan's baseline \(plan.baseline); nothing to compare the canary \(plan.canary) with"
        case (true, false): return "\(has) but no row of the plan's canary \(plan.canary); nothing to judge against the baseline \(plan.baseline)"
        }
    }

    public func run(rows unsorted: [TraceRow]) -> Result {
        // Stable by time, then file order: the routing group is (t_ms, key).
        let rows = unsorted.enumerated().sorted { ($0.element.tMs, $0.offset) < ($1.element.tMs, $1.offset) }.map(\.element)
        var machine = RolloutMachine(plan: plan)
        var decisions: [Decision] = []
        guard let first = rows.first else {
            return Result(decisions: [], outcome: .inProgress, endMs: 0, issues: [], machine: machine)
        }
        let firstBoundary = floorBoundary(first.tMs)
        decisions += machine.handle(.start(at: firstBoundary))
        var builders: [String: WindowBuilder] = [:]
        var nextBoundary = firstBoundary + windowMs

        func closeWindows(upTo boundary: Int64) {
            var closed: [Window] = []
            for version in builders.keys.sorted(by: versionOrder) {
                closed += builders[version]!.flush(nowMs: boundary)
            }
            for window in closed { decisions += machine.handle(.window(window, receivedAt: boundary)) }
            decisions += machine.handle(.tick(boundary))
        }

        var i = 0
        while i < rows.count {
            let row = rows[i]
            while row.tMs >= nextBoundary {
                closeWindows(upTo: nextBoundary)
                nextBoundary += windowMs
            }
            // The group of alternatives for this request.
            var j = i + 1
            while j < rows.count, rows[j].tMs == row.tMs, rows[j].key == row.key { j += 1 }
            let chosen = j - i == 1 ? row : route(rows[i..<j], canaryPPM: machine.canaryWeightPPM)
            if builders[chosen.version] == nil {
                // Valid by construction: default settings, no score edges.
                builders[chosen.version] = try! WindowBuilder(
                    agentID: "replay", model: plan.model, version: chosen.version, intervalMs: windowMs)
            }
            _ = builders[chosen.version]!.add(chosen.sample)
            i = j
        }
        closeWindows(upTo: nextBoundary)
        let outcome = Outcome(machine.phase)
        let endMs = decisions.last.map { max($0.atMs, nextBoundary) } ?? nextBoundary
        return Result(decisions: decisions, outcome: outcome, endMs: machine.phase.isTerminal ? decisions.last!.atMs : endMs, issues: [], machine: machine)
    }

    private func route(_ group: ArraySlice<TraceRow>, canaryPPM: UInt32) -> TraceRow {
        let wanted = RouteHash.isCanary(group.first!.key, canaryPPM: canaryPPM) ? plan.canary : plan.baseline
        return group.first { $0.version == wanted } ?? group.first!
    }

    private func versionOrder(_ a: String, _ b: String) -> Bool {
        func rank(_ v: String) -> Int { v == plan.baseline ? 0 : v == plan.canary ? 1 : 2 }
        return (rank(a), a) < (rank(b), b)
    }

    private func floorBoundary(_ ms: Int64) -> Int64 {
        let q = ms / windowMs
        return (ms % windowMs < 0 ? q - 1 : q) * windowMs
    }
}
