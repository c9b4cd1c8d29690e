import CanaryAPI
import CanaryCore
import Foundation

/// The human-readable forms of rollouts: one status line, and the details
/// `status` adds below it.
enum RolloutFormat {
    /// `fraud-model v1→v2  Progressing  step 3/6  canary 5.00 %  p99 41 ms vs 39 ms  errors 0.2 % vs 0.2 %`
    /// (canary first, then baseline, in each comparison).
    static func statusLine(_ view: RolloutView) -> String {
        let canary = view.summaries[view.canary]
        let baseline = view.summaries[view.baseline]
        return [
            "\(view.model) \(view.baseline)→\(view.canary)",
            phase(view.phase),
            "step \(view.step)/\(view.steps)",
            "canary \(percent(ppm: view.canaryWeightPPM))",
            "p99 \(ms(canary?.p99Ms)) vs \(ms(baseline?.p99Ms))",
            "errors \(share(canary?.errorRate)) vs \(share(baseline?.errorRate))",
        ].joined(separator: "  ")
    }

    /// The status line, then why it waits, the latest verdicts and the last decision.
    static func details(_ view: RolloutView) -> [String] {
        var lines = [statusLine(view), "  id: \(view.id)"]
        if let canary = view.summaries[view.canary], let baseline = view.summaries[view.baseline] {
            lines.append("  requests: \(canary.requests) canary, \(baseline.requests) baseline")
        }
        if let reason = view.pauseReason { lines.append("  paused: \(reason)") }
        if !view.staleAgents.isEmpty { lines.append("  stale agents: \(view.staleAgents.joined(separator: ", "))") }
        for reason in view.waitingFor { lines.append("  waiting for: \(reason)") }
        for verdict in view.verdicts { lines.append("  \(verdictLabel(verdict)) \(verdict.evidence.sentence)") }
        if let decision = view.lastDecision {
            lines.append("  last decision: \(decision.action.rawValue) at \(time(decision.atMs)): \(decision.reason)")
        }
        return lines
    }

    /// One line per rollout for `list`: id first so scripts can cut it.
    static func listLine(_ view: RolloutView) -> String {
        "\(view.id)  \(statusLine(view))  started \(time(view.createdMs))"
    }

    static func phase(_ phase: RolloutPhase) -> String {
        switch phase {
        case .pending: "Pending"
        case .progressing: "Progressing"
        case .paused: "Paused"
        case .promoted: "Promoted"
        case .rolledBack: "RolledBack"
        case .aborted: "Aborted"
        }
    }

    static func verdictLabel(_ verdict: Verdict) -> String {
        switch verdict {
        case .pass: "pass "
        case .fail: "FAIL "
        case .needMoreData: "wait "
        }
    }

    static func percent(ppm: UInt32) -> String {
        PercentText.text(ppm: ppm, minimumDecimals: 2, separator: " ")
    }

    static func ms(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return value >= 10 ? "\(Int(value.rounded())) ms" : String(format: "%.1f ms", value)
    }

    static func share(_ fraction: Double?) -> String {
        guard let fraction, fraction.isFinite else { return "–" }
        return PercentText.text(fraction: fraction, minimumDecimals: 1, separator: " ")
    }

    static func time(_ ms: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    /// The API's JSON re-indented for people, keys sorted; not re-encoded
    /// from our types, so fields this CLI does not know are kept.
    static func prettyJSON(_ data: Data) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return String(decoding: data, as: UTF8.self) }
        return String(decoding: pretty, as: UTF8.self)
    }
}
