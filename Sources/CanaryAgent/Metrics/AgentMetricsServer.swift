import CanaryAPI
import CanaryHTTP
import CanaryMetrics
import Foundation
import Hummingbird
import Logging
import Prometheus
import Synchronization

/// The agent's optional HTTP listener (`metrics: 127.0.0.1:9464` in its
/// config): `/metrics` in the Prometheus text format and `/healthz` as JSON
/// (503 while the agent is unhealthy, with `unhealthyReason`).
/// Loopback by default, like the coordinator's API: it is for the local
/// Prometheus scraper, not for the world. Behind the same read deadlines and
/// connection gate as the coordinator's API (``policy``): a slow or
/// flooding client cannot hold it.
final class AgentMetricsServer: Sendable {
    let agent: Agent
    let host: String
    let port: Int
    let logger: Logger
    let registry = PrometheusCollectorRegistry()
    /// Cumulative values last exported, turned into counter increments.
    private let seen = Mutex<[String: UInt64]>([:])

    init(agent: Agent, host: String, port: Int, logger: Logger) {
        self.agent = agent
        self.host = host
        self.port = port
        self.logger = logger
    }

    /// A scraper and a probe or two: 64 connections are plenty; the deadlines are the coordinator's defaults.
    static let policy = ConnectionPolicy(maxConnections: 64)

    func run() async throws {
        let router = Router()
        router.get("metrics") { _, _ in
            let text = await self.render()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("healthz") { _, _ in
            let health = await self.agent.health()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(health)) ?? Data("{}".utf8)
            // 503 with the reason in the body: probes and people see why.
            return Response(status: health.healthy ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        let (logger, host, port, bound) = (self.logger, self.host, self.port, agent.metricsBound)
        let limit = Self.policy.effectiveMaxConnections(fileDescriptorLimit: FileDescriptorLimit.current)
        let gate = ConnectionGate(limit: limit, maxLingeringRefusals: 8)
        let app = Application(
            router: router,
            server: .guardedHTTP1(policy: Self.policy, gate: gate),
            configuration: .init(address: .hostname(host, port: port), serverName: "canary-agent"),
            onServerRunning: { channel in
                bound.set(channel.localAddress?.port ?? port)
                logger.notice("agent metrics on http://\(host):\(channel.localAddress?.port ?? port)/metrics")
            },
            logger: logger)
        do {
            try await app.run()
        } catch {
            bound.set(nil)
            throw error
        }
    }

    func render() async -> String {
        let health = await agent.health()
        let config = agent.config
        let labels = [("agent", config.agentID), ("model", config.model), ("version", config.version)]
        advance("canary_agent_samples_read_total", labels, health.samplesRead, "Samples drained from the shared-memory ring.")
        advance("canary_agent_ring_lost_samples_total", labels, health.ringLost &+ health.malformedRecords,
                "Samples lost in the ring before aggregation (torn, abandoned or malformed records).")
        advance("canary_agent_ring_overrun_samples_total", labels, health.ringOverrun, "Samples overwritten before the agent read them (ring lapped).")
        advance("canary_agent_windows_sent_total", labels, health.windowsSent, "Windows sent to the coordinator.")
        advance("canary_agent_windows_acked_total", labels, health.windowsAcked, "Windows the coordinator acknowledged.")
        advance("canary_agent_windows_rejected_total", labels, health.windowsRejected, "Windows the coordinator refused.")
        advance("canary_agent_windows_dropped_total", labels, health.windowsDropped, "Unacked windows dropped because the resend buffer was full.")
        advance("canary_agent_windows_resent_total", labels, health.windowsResent, "Windows sent again because their first send was not acked in time.")
        advance("canary_agent_windows_recovered_total", labels, health.windowsRecovered,
                "Unacked windows a previous agent left in the spool, taken over and resent under their original key.")
        advance("canary_agent_spool_quarantined_total", labels, health.spoolQuarantined,
                "Spool files refused (corrupt, or another agent's) and renamed <name>.quarantined.")
        advance("canary_agent_spool_write_failures_total", labels, health.spoolWriteFailures,
                "Windows that could not be written to the spool (kept in memory only; see /healthz).")
        advance("canary_agent_labels_matched_total", labels, health.labelsMatched,
                "Labels without a correct flag judged against the prediction this agent read for their key.")
        advance("canary_agent_outcomes_unmatched_total", labels, health.outcomesUnmatched,
                "Outcomes that could not be judged: their key matched no prediction held (unknown, expired or evicted).")
        advance("canary_agent_labels_evicted_total", labels, health.labelsEvicted,
                "Predictions forgotten unlabeled because labels.max_pending were held.")
        advance("canary_agent_labels_expired_total", labels, health.labelsExpired,
                "Predictions forgotten at labels.horizon (unlabeled, or labeled too late).")
        registry.gauge("canary_agent_labels_pending", labels: labels, help: "Predictions held for a late label (at most labels.max_pending).")
            .set(Double(health.labelsPending))
        advance("canary_agent_route_tables_applied_total", labels, health.routeTablesApplied, "Route tables written to the route page.")
        advance("canary_agent_ring_faults_total", labels, health.ringFaults,
                "Sample-ring faults found: tail past head, head backwards or jumping, header changed (see /healthz for the last).")
        advance("canary_agent_route_page_restores_total", labels, health.routePageRestores,
                "Route-page rewrites after the page changed behind the agent's back (e.g. weights not summing to 1e6).")
        registry.gauge("canary_agent_healthy", labels: labels,
                       help: "1 while the agent is healthy; 0 while its ring is corrupt (or recently was), its route page cannot be restored or its spool cannot be written.")
            .set(health.healthy ? 1.0 : 0.0)
        registry.gauge("canary_agent_unacked_windows", labels: labels, help: "Windows sent and not yet acknowledged.")
            .set(Double(health.unacked))
        registry.gauge("canary_agent_coordinator_silent", labels: labels,
                           help: "1 while the coordinator is silent past the timeout (the split is held, fail-static).")
            .set(health.coordinatorSilent ? 1.0 : 0.0)
        registry.gauge("canary_agent_route_sequence", labels: labels, help: "Sequence of the last route table applied.")
            .set(Double(health.routeSequence))
        registry.gauge("canary_agent_coordinator_last_heard_age_seconds", labels: labels,
                           help: "Seconds since the coordinator was last heard from.")
            .set(Double(max(0, Agent.wallClockMs() - health.lastHeardMs)) / 1000)
        return registry.emitToString()
    }

    private func advance(_ name: String, _ labels: [(String, String)], _ total: UInt64, _ help: String) {
        let delta: UInt64 = seen.withLock { seen in
            let last = seen[name] ?? 0
            seen[name] = total
            return total >= last ? total - last : total
        }
        let counter = registry.counter(name, labels: labels, help: help)
        if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
    }
}
