import CanarySimulator
import Foundation

/// Whether a run ended the way its scenario says it must, and the summary
/// block the demo prints at the end.
enum SummaryReport {
    static func passed(_ summary: DemoSummary, scenario: Scenario) -> Bool {
        guard summary.error == nil, summary.outcome == scenario.expect.outcome, summary.leftRunning.isEmpty else { return false }
        if let expected = scenario.expect.guardName, !summary.trippedGuards.contains(expected) { return false }
        if summary.outcome == "rolled_back" {
            if let onset = summary.faultOnsetMs, let decision = summary.decisionMs, decision < onset { return false }
            if summary.routePagesCanaryPPM.values.contains(where: { $0 != 0 }) { return false }
        }
        return true
    }

    static func lines(_ summary: DemoSummary) -> [String] {
        var lines = ["\n── summary " + String(repeating: "─", count: 60)]
        let mark = summary.passed ? "✓" : "✗"
        lines.append("  outcome:          \(summary.outcome) (expected \(summary.expectedOutcome)) \(mark)")
        if let reason = summary.decisionReason { lines.append("  decision:         \(reason)") }
        if let decision = summary.decisionMs, let started = summary.rolloutStartedMs {
            var text = "  time to decision: \(seconds(decision - started)) after the rollout started"
            if let onset = summary.faultOnsetMs { text += ", \(seconds(decision - onset)) after the fault began" }
            lines.append(text)
        }
        if summary.outcome == "rolled_back", let zero = summary.lastRouteZeroMs {
            var text = "  route pages:      all \(summary.routePagesCanaryPPM.count) at 0 % canary"
            if let onset = summary.faultOnsetMs { text += ", the last \(seconds(zero - onset)) after the fault began" }
            lines.append(text)
        }
        let written = summary.samplesWrittenTotal, counted = summary.samplesCountedTotal
        let lost = written > counted ? written - counted : 0
        if summary.countsUnavailable {
            lines.append("  samples:          \(written) written by the replicas; counted: unknown, the coordinator stopped before the demo could ask (its journal is kept)")
        } else {
            lines.append("  samples:          \(written) written by the replicas, \(counted) counted by the coordinator, \(lost) lost (ring loss \(summary.ringLost))")
        }
        let duplicates = summary.agents.reduce(0) { $0 + $1.windowsDuplicate }
        let windows = summary.agents.reduce(0) { $0 + $1.windowsCounted }
        if !summary.agents.isEmpty { lines.append("  windows:          \(windows) counted, \(duplicates) resent duplicates ignored") }
        for action in summary.actions { lines.append("  action:           \(action)") }
        lines.append("  processes:        \(summary.pids.count) started, \(summary.leftRunning.isEmpty ? "all stopped" : "STILL RUNNING: \(summary.leftRunning)")")
        lines.append("  journal & logs:   \(summary.runDirectory)")
        if let error = summary.error { lines.append("  error:            \(error)") }
        return lines
    }

    static func seconds(_ ms: Int64) -> String { String(format: "%.2f s", Double(ms) / 1_000) }
}
