import CanaryAPI
import CanaryCore

/// What one coordinator step changed: the journal batch, and what may be
/// acted on only once that batch committed.
struct PendingStep: Sendable {
    var batch = JournalBatch()
    /// Windows this step counts: on the agents' statuses and `/metrics` once it committed.
    var counted: [Window] = []
    var decided: [Decided] = []
    var tables: [RouteSplit] = []
    /// Snapshotted views for the read model, by rollout id.
    var views: [String: (view: RolloutView, json: String)] = [:]
    /// Per-second buckets for the dashboard's `metrics` events.
    var seconds: [AggregateRecord] = []
    /// Agents that went stale or live, for the `agent` events.
    var agents: [AgentStatus] = []
    /// Agents that left the fleet, for the `agent_forgotten` events.
    var departures: [AgentDeparture] = []

    var isEmpty: Bool {
        batch.isEmpty && counted.isEmpty && decided.isEmpty && tables.isEmpty && views.isEmpty && seconds.isEmpty && agents.isEmpty && departures.isEmpty
    }
}
