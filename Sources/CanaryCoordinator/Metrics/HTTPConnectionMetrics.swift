import CanaryHTTP
import Prometheus
import Synchronization

/// The HTTP listener's connection gate on `/metrics`: open and busy
/// connections against the limit, and how many were closed to make room,
/// refused with a 503, or closed by a read deadline.
final class HTTPConnectionMetrics: Sendable {
    let gate: ConnectionGate
    /// Cumulative counts last exported, turned into counter increments.
    private let seen = Mutex<[String: UInt64]>([:])

    init(gate: ConnectionGate) {
        self.gate = gate
    }

    func record(into registry: PrometheusCollectorRegistry) {
        let counts = gate.counts
        registry.gauge("canary_http_connections", labels: [("state", "open")], help: "Open HTTP connections, by state.")
            .set(Double(counts.open))
        registry.gauge("canary_http_connections", labels: [("state", "busy")], help: "Open HTTP connections, by state.")
            .set(Double(counts.busy))
        registry.gauge("canary_http_connections_limit", labels: [], help: "HTTP connections allowed at once (http.max_connections, at most half the open-file limit).")
            .set(Double(gate.limit))
        for (name, total, help) in [
            ("canary_http_connections_evicted_total", counts.evicted, "Idle or half-sent HTTP connections closed to make room at the limit."),
            ("canary_http_connections_refused_total", counts.refused, "HTTP connections refused with 503 (every connection busy)."),
            ("canary_http_connections_timed_out_total", counts.timedOut, "HTTP connections closed by a read deadline (head, body, idle)."),
        ] {
            let delta: UInt64 = seen.withLock { seen in
                let last = seen[name] ?? 0
                seen[name] = total
                return total >= last ? total - last : total
            }
            let counter = registry.counter(name, labels: [], help: help)
            if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
        }
    }
}
