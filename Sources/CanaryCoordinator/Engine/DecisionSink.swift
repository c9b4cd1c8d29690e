import CanaryAPI
import CanaryCore
import Logging

/// One decision of one rollout, with what the sinks need to act on it: the
/// event as journaled and streamed, the rollout as it stood right after the
/// decision, and the coordinator's time.
struct Decided: Sendable {
    let event: DecisionEvent
    /// The rollout's canary version (its route goes first).
    let canary: String
    /// The plan's control label and the baseline version it runs (its
    /// route goes second), nil without a control.
    var control: RouteBook.ControlPool?
    let rollout: RolloutView
    let nowMs: Int64
    /// The same moment on the run clock, the machine's.
    let runMs: Int64
}

/// Somewhere a decision goes: the journal batch and the route book take it
/// inside the step (they are what the step commits); the event hub (SSE),
/// the metrics, the webhooks and the log take it once that commit
/// succeeded, so nothing is shown or sent before it is durable (DESIGN §6).
protocol DecisionSink {
    mutating func take(_ decided: Decided)
}

extension JournalBatch: DecisionSink {
    /// The decision and its evidence, as an event row.
    mutating func take(_ decided: Decided) {
        let decision = decided.event.decision
        events.append(EventRecord(rolloutID: decided.event.rolloutID, tMs: decision.atMs, kind: "decision",
                                  action: decision.action.rawValue, reason: decision.reason,
                                  payloadJSON: CoordinatorEngine.json(decided.event), runMs: decided.runMs))
    }
}

extension EventHub: DecisionSink {
    func take(_ decided: Decided) { publish(type: "decision", decided.event) }
}

extension CoordinatorMetrics: DecisionSink {
    func take(_ decided: Decided) { self.decided(decided.event, nowMs: decided.nowMs) }
}

extension WebhookNotifier: DecisionSink {
    func take(_ decided: Decided) { enqueue(decided.event, rollout: decided.rollout) }
}

/// The coordinator log's line per decision.
struct DecisionLog: DecisionSink {
    let logger: Logger

    func take(_ decided: Decided) {
        let decision = decided.event.decision
        logger.notice("rollout \(decided.event.rolloutID): \(decision.action.rawValue) → \(decision.weightsPPM) — \(decision.reason)")
    }
}
