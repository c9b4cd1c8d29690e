import CanaryAPI
import CanaryCore
import Foundation

/// The JSON a webhook receives for one decision, or for the start and the
/// end of a journal outage (`journal_unavailable`, `journal_recovered`:
/// `journal` instead of `rollout` and `decision`). `text` makes it a valid
/// Slack (and Mattermost, Teams-compatible) incoming-webhook message as is;
/// `id` is the same on every retry so receivers can drop a repeat.
public struct WebhookNotification: Codable, Sendable, Equatable {
    public struct Rollout: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var model: String
        public var baseline: String
        public var canary: String
        public var phase: RolloutPhase
        public var step: Int
        public var steps: Int
        public var canaryWeightPPM: UInt32
    }

    public var id: String
    /// The decision's action (advance, pause, promote, rollback, abort, …),
    /// or `journal_unavailable` / `journal_recovered`.
    public var event: String
    public var text: String
    public var rollout: Rollout?
    public var decision: Decision?
    /// The journal's state, on the journal events.
    public var journal: JournalStatus?

    public static let journalUnavailable = "journal_unavailable"
    public static let journalRecovered = "journal_recovered"

    init(_ event: DecisionEvent, rollout view: RolloutView) {
        let decision = event.decision
        id = "\(event.rolloutID)/\(decision.atMs)/\(decision.action.rawValue)/\(decision.stepIndex)"
        self.event = decision.action.rawValue
        rollout = Rollout(id: view.id, name: view.name, model: view.model, baseline: view.baseline, canary: view.canary,
                          phase: decision.phase, step: decision.stepIndex + 1, steps: view.steps,
                          canaryWeightPPM: decision.weightsPPM[view.canary] ?? 0)
        self.decision = decision
        text = Self.sentence(decision, view: view)
    }

    /// A journal outage began (`status` says why) or ended (it began at `outageSinceMs`).
    init(journal status: JournalStatus, event: String, nowMs: Int64, outageSinceMs: Int64?) {
        let since = status.sinceMs ?? outageSinceMs ?? nowMs
        id = "journal/\(since)/\(event)"
        self.event = event
        journal = status
        if event == Self.journalUnavailable {
            text = ":rotating_light: *Canary* coordinator journal cannot commit (\(status.cause ?? "unknown")): rollouts are frozen, route tables stay as they are, agents keep their windows — \(status.message ?? "")"
        } else {
            let seconds = Double(nowMs - since) / 1000
            text = ":white_check_mark: *Canary* coordinator journal commits again after \(String(format: "%.0f", seconds)) s: rollouts resume, agents resend what was not acked"
        }
    }

    static func sentence(_ decision: Decision, view: RolloutView) -> String {
        let percent = Double(decision.weightsPPM[view.canary] ?? 0) / 10_000
        let split = percent == percent.rounded() ? String(Int(percent)) : String(format: "%.2f", percent)
        let verb: String
        switch decision.action {
        case .advance: verb = "advanced to step \(decision.stepIndex + 1)/\(view.steps), canary at \(split) %"
        case .pause: verb = "paused at \(split) %"
        case .resume: verb = "resumed at \(split) %"
        case .rollback: verb = ":rotating_light: rolled back"
        case .promote: verb = ":white_check_mark: promoted to 100 %"
        case .abort: verb = "aborted"
        case .setWeight: verb = "set to \(split) % by an operator"
        }
        var lines = ["*Canary* \(view.model) \(view.baseline) → \(view.canary): \(verb) — \(decision.reason)"]
        if decision.action == .rollback || decision.action == .pause {
            lines += decision.evidence.map { "• \($0.sentence)" }
        }
        return lines.joined(separator: "\n")
    }
}
