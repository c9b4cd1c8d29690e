import CanaryAPI
import CanaryCore
import Foundation

/// The compact live view: one line per update with the step, the split and
/// each version's p99, error rate and accuracy, then what the rollout waits
/// for; decisions and faults get a line of their own with their evidence.
enum ProgressLine {
    static func status(_ view: RolloutView, elapsedMs: Int64) -> String {
        var line = "\(seconds(elapsedMs))  step \(view.step)/\(view.steps)  canary \(PercentText.text(ppm: view.canaryWeightPPM))"
        for version in [view.baseline, view.canary] {
            guard let s = view.summaries[version] else { continue }
            let accuracy = s.accuracy.map { String(format: "%.1f%%", $0 * 100) } ?? "–"
            line += "  │ \(version) p99 " + String(format: "%.0fms err %.2f%%", s.p99Ms, s.errorRate * 100)
                + " acc \(accuracy) n=\(s.requests)"
        }
        if view.phase == .paused {
            line += "  │ paused: \(view.pauseReason ?? "")"
        } else if !view.waitingFor.isEmpty, !view.phase.isTerminal {
            line += "  │ waiting: \(view.waitingFor.prefix(2).joined(separator: "; "))"
        }
        return line
    }

    static func decision(_ decision: Decision, elapsedMs: Int64) -> [String] {
        var lines = ["\(seconds(elapsedMs))  ▶ \(decision.action.rawValue.uppercased()): \(decision.reason)"]
        for evidence in decision.evidence.prefix(3) {
            lines.append("           evidence: \(evidence.sentence)")
        }
        return lines
    }

    static func seconds(_ ms: Int64) -> String {
        String(format: "%6.1fs", Double(ms) / 1_000)
    }
}
