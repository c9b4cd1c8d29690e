import CanaryAPI
import CanaryCore
import CanaryMetrics
import Prometheus
import Synchronization

/// The coordinator's Prometheus series, one registry per coordinator (so
/// tests may run several in one process; the global `MetricsSystem` can be
/// bootstrapped only once).
///
/// Two kinds of series: event counters fed as things happen (requests and
/// latencies per counted window, decisions and breaches per decision), and
/// state read from the engine at scrape time (phase, step, weight, agents,
/// wire counters), because the engine already keeps that state exactly and
/// copying it on every change would only add places to get it wrong.
public final class CoordinatorMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// Newest window end per model: the start of a decision's latency.
    private let newestWindowEndMs = Mutex<[String: Int64]>([:])
    /// Cumulative counts last seen at a scrape, turned into counter increments.
    private let seen = Mutex<[String: UInt64]>([:])

    /// Latency buckets, seconds: 1 ms … 10 s.
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    static let decisionBuckets: [Double] = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30]

    /// `canary_request_latency_seconds`, fed from window aggregates.
    let latency = AggregateHistogram(name: "canary_request_latency_seconds", help: "Inference latency per model version.",
                                     bounds: CoordinatorMetrics.latencyBuckets)
    /// Label sets of the per-agent series last rendered, so an agent that
    /// left the fleet (evicted) takes its series with it.
    private let agentSeries = Mutex<[String: [(String, String)]]>([:])

    public init() {}

    /// A model evicted from the fleet: its per-version series go too, so a
    /// flood of made-up models cannot grow `/metrics` without bound.
    func forget(model: String, versions: [String]) {
        latency.remove(label: "model", value: model)
        newestWindowEndMs.withLock { _ = $0.removeValue(forKey: model) }
        for version in versions {
            let labels = [("model", model), ("version", version)]
            registry.unregisterCounter(registry.counter("canary_requests_total", labels: labels,
                                                        help: "Inference requests counted by the coordinator, per model version."))
            registry.unregisterCounter(registry.counter("canary_request_errors_total", labels: labels,
                                                        help: "Requests that failed (server errors and timeouts), per model version."))
            for (name, help, _) in Self.outcomeSeries {
                registry.unregisterCounter(registry.counter(name, labels: labels, help: help))
            }
        }
    }

    /// Outcome counters per model version, and the window count each adds.
    static let outcomeSeries: [(name: String, help: String, count: @Sendable (Window) -> UInt64)] = [
        ("canary_outcomes_labeled_total", "Outcomes judged right or wrong (labels joined to their prediction, or with a correct flag), per model version.",
         { $0.labeledCount }),
        ("canary_outcomes_correct_total", "Labeled outcomes whose prediction was right, per model version.", { $0.correctCount }),
        ("canary_outcomes_unmatched_total", "Outcomes no prediction matched (unknown key, past the agent's labels.horizon, evicted at labels.max_pending), per model version.",
         { $0.unmatchedCount }),
    ]

    // MARK: - Fed by the engine

    /// A window was counted: its requests, errors and latency distribution.
    func counted(_ window: Window) {
        let labels = [("model", window.model), ("version", window.version)]
        registry.counter("canary_requests_total", labels: labels,
                             help: "Inference requests counted by the coordinator, per model version.")
            .increment(by: Int64(clamping: window.requestCount))
        registry.counter("canary_request_errors_total", labels: labels,
                             help: "Requests that failed (server errors and timeouts), per model version.")
            .increment(by: Int64(clamping: window.modelErrors))
        for (name, help, count) in Self.outcomeSeries where count(window) > 0 {
            registry.counter(name, labels: labels, help: help).increment(by: Int64(clamping: count(window)))
        }
        // From the window's aggregate: one pass over its buckets, never one
        // call per request (AggregateHistogram.swift).
        latency.add(labels: labels, buckets: window.latency.buckets)
        newestWindowEndMs.withLock { $0[window.model] = max($0[window.model] ?? .min, window.endMs) }
    }

    /// A decision was made: counted by action, its failing guards as breaches.
    func decided(_ event: DecisionEvent, nowMs: Int64) {
        let decision = event.decision
        registry.counter("canary_decisions_total", labels: [("model", event.model), ("action", decision.action.rawValue)],
                             help: "Rollout decisions (verdicts acted on), by action.")
            .increment()
        // A breach rolls back, or pauses when the plan says so; both carry
        // only the failing guards' evidence and say "guard failed".
        if decision.action == .rollback || decision.action == .pause, decision.reason.hasPrefix("guard failed") {
            for evidence in decision.evidence {
                registry.counter("canary_guard_breaches_total",
                                     labels: [("model", event.model), ("guard", evidence.guardName), ("metric", evidence.metric.rawValue)],
                                     help: "Guard breaches that rolled a canary back or paused it, by guard.")
                    .increment()
            }
        }
        // Automatic decisions follow data: time from the newest data to the act.
        if [.advance, .rollback, .promote].contains(decision.action),
           let end = newestWindowEndMs.withLock({ $0[event.model] }) {
            registry.histogram("canary_decision_latency_seconds", labels: [("action", decision.action.rawValue)],
                                        buckets: Self.decisionBuckets,
                                        help: "Time from the end of the newest window of the model to the automatic decision.")
                .record(Double(max(0, nowMs - end)) / 1000)
        }
    }

    // MARK: - Read at scrape time

    /// Sets the state series from the engine and renders the text format.
    public func render(engine: CoordinatorEngine, nowMs: Int64) async -> String {
        // Rollouts from the read model (finished ones only for an hour, so
        // the series do not grow with history); agents and counters are the
        // engine's own small state.
        let rollouts = engine.readModel.current(sinceMs: nowMs - 3_600_000)
        let agents = await engine.agentStatuses()
        let counters = await engine.counters
        for view in rollouts {
            let labels = [("rollout", view.id), ("model", view.model)]
            for phase in RolloutPhase.allCases {
                registry.gauge("canary_rollout_phase", labels: labels + [("phase", phase.rawValue)],
                                   help: "1 for the rollout's current phase, 0 for the others.")
                    .set(phase == view.phase ? 1.0 : 0.0)
            }
            registry.gauge("canary_rollout_step", labels: labels, help: "Current step of the plan, 1-based.")
                .set(Double(view.step))
            registry.gauge("canary_rollout_steps", labels: labels, help: "Number of steps in the plan.")
                .set(Double(view.steps))
            registry.gauge("canary_rollout_canary_weight_ratio", labels: labels + [("version", view.canary)],
                               help: "Share of traffic routed to the canary (0..1).")
                .set(Double(view.canaryWeightPPM) / 1_000_000)
            for verdict in view.verdicts {
                let evidence = verdict.evidence
                for name in ["pass", "fail", "need_more_data"] {
                    let current = verdict.isPass ? "pass" : verdict.isFail ? "fail" : "need_more_data"
                    registry.gauge("canary_guard_verdict",
                                       labels: labels + [("guard", evidence.guardName), ("verdict", name)],
                                       help: "1 for each guard's latest verdict, 0 for the others.")
                        .set(current == name ? 1.0 : 0.0)
                }
            }
        }
        let live = agents.filter { !$0.stale }.count
        registry.gauge("canary_agents", labels: [("state", "live")], help: "Agents known to the coordinator, by state.")
            .set(Double(live))
        registry.gauge("canary_agents", labels: [("state", "stale")], help: "Agents known to the coordinator, by state.")
            .set(Double(agents.count - live))
        forgetAgentSeries(except: agents)
        for agent in agents {
            let labels = [("agent", agent.agentID), ("model", agent.model), ("version", agent.version)]
            advance("canary_ring_lost_samples_total", labels: labels, to: agent.ringLostTotal &+ agent.ringOverrunTotal,
                    help: "Samples lost in the agent's shared-memory ring before aggregation (lapped or torn).")
            if let received = agent.lastWindowReceivedMs {
                registry.gauge("canary_agent_last_window_age_seconds", labels: labels,
                                   help: "Seconds since the agent's last counted window arrived.")
                    .set(Double(max(0, nowMs - received)) / 1000)
            }
        }
        advance("canary_windows_received_total", labels: [], to: counters.receivedByKind["window"] ?? 0,
                help: "Windows received from agents, counted or not.")
        advance("canary_windows_counted_total", labels: [], to: counters.countedWindows,
                help: "Windows merged into the fleet state.")
        advance("canary_windows_duplicate_total", labels: [], to: counters.duplicateWindows,
                help: "Resent windows recognised as already counted (acked, not counted twice).")
        for (reason, count) in counters.rejectedByReason {
            advance("canary_windows_rejected_total", labels: [("reason", reason)], to: count,
                    help: "Messages refused on the wire, by reason.")
        }
        for (kind, count) in counters.receivedByKind {
            advance("canary_messages_received_total", labels: [("kind", kind)], to: count,
                    help: "Wire messages received from agents, by kind.")
        }
        advance("canary_journal_failures_total", labels: [], to: counters.journalFailures,
                help: "Journal transactions that failed (acks withheld; agents resend).")
        let journal = await engine.journalStatus
        registry.gauge("canary_journal_healthy", labels: [],
                       help: "1 while the journal commits; 0 while it cannot (nothing decided, acked or published until it can).")
            .set(journal.healthy ? 1.0 : 0.0)
        for (cause, count) in await engine.journalFailuresByCause {
            advance("canary_journal_commit_failures_total", labels: [("cause", cause)], to: count,
                    help: "Journal commits (and probes) that failed, by cause: disk_full, io_error, read_only, busy, corrupt, cannot_open, other.")
        }
        advance("canary_windows_withheld_total", labels: [], to: counters.withheldWindows,
                help: "Windows neither counted nor acked because the journal could not commit (the agents resend them).")
        if engine.allowList != nil { recordKeys(await engine.keysDocument()) }
        advance("canary_fleet_evictions_total", labels: [("kind", "agent")], to: counters.evictedAgents,
                help: "Fleet entries evicted because a limit was reached (oldest silent first), by kind.")
        advance("canary_fleet_evictions_total", labels: [("kind", "model")], to: counters.evictedModels,
                help: "Fleet entries evicted because a limit was reached (oldest silent first), by kind.")
        advance("canary_fleet_evictions_total", labels: [("kind", "version")], to: counters.evictedVersions,
                help: "Fleet entries evicted because a limit was reached (oldest silent first), by kind.")
        for reason in Fleet.DepartureReason.allCases {
            advance("canary_agents_forgotten_total", labels: [("reason", reason.rawValue)], to: counters.forgottenAgents[reason.rawValue] ?? 0,
                    help: "Agents that left the fleet, by reason: goodbye (stopped gracefully), silent (forget_after), operator (DELETE /api/v1/agents/{id}).")
        }
        advance("canary_duplicate_agent_ids_total", labels: [], to: counters.duplicateAgentIDs,
                help: "Times two live processes were found under one agent id (the newer is refused).")
        return registry.emitToString() + latency.render()
    }

    /// Unregisters the per-agent series of agents no longer in the fleet.
    private func forgetAgentSeries(except agents: [AgentStatus]) {
        var current: [String: [(String, String)]] = [:]
        for agent in agents {
            let labels = [("agent", agent.agentID), ("model", agent.model), ("version", agent.version)]
            current[AggregateHistogram.render(labels)] = labels
        }
        let gone: [(String, [(String, String)])] = agentSeries.withLock { known in
            defer { known = current }
            return known.filter { current[$0.key] == nil }.map { ($0.key, $0.value) }
        }
        for (_, labels) in gone {
            registry.unregisterCounter(registry.counter("canary_ring_lost_samples_total", labels: labels,
                                                        help: "Samples lost in the agent's shared-memory ring before aggregation (lapped or torn)."))
            registry.unregisterGauge(registry.gauge("canary_agent_last_window_age_seconds", labels: labels,
                                                    help: "Seconds since the agent's last counted window arrived."))
            let key = "canary_ring_lost_samples_total" + labels.map { "|\($0.0)=\($0.1)" }.joined()
            seen.withLock { _ = $0.removeValue(forKey: key) }
        }
    }

    /// Brings a counter up to a cumulative value kept elsewhere. A smaller
    /// value means the source restarted (an agent's epoch): count it afresh.
    func advance(_ name: String, labels: [(String, String)], to total: UInt64, help: String) {
        let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
        let delta: UInt64 = seen.withLock { seen in
            let last = seen[key] ?? 0
            seen[key] = total
            return total >= last ? total - last : total
        }
        let counter = registry.counter(name, labels: labels, help: help)
        if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
    }
}
