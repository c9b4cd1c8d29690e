import CanaryCoordinator
import Foundation
import Testing

/// `/metrics` is valid Prometheus text (parsed by the reference Python
/// parser) and says what the JSON API says.
@Suite(.serialized) struct MetricsEndpointTests {
    /// name → [(labels, value)], from `prometheus_client`'s parser.
    typealias Samples = [String: [([String: String], Double)]]

    static func parse(_ text: String) async throws -> Samples {
        let file = NSTemporaryDirectory() + "canary-metrics-\(UUID().uuidString).txt"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let script = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    out.setdefault(s.name, []).append([s.labels, s.value])
            print(json.dumps(out))
            """
        let run = try await runProcess("/usr/bin/env", ["python3", "-c", script, file], timeout: 60)
        guard run.status == 0, let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: [[Any]]] else {
            throw DemoError("prometheus_client could not parse /metrics (status \(run.status)): \(run.stderr)\n\(text.prefix(2000))")
        }
        return object.mapValues { rows in rows.map { (($0[0] as? [String: String]) ?? [:], ($0[1] as? NSNumber)?.doubleValue ?? .nan) } }
    }

    static func value(_ samples: Samples, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        let rows = samples[name]?.filter { row in labels.allSatisfy { row.0[$0.key] == $0.value } } ?? []
        return rows.isEmpty ? nil : rows.map(\.1).reduce(0, +)
    }

    @Test(.timeLimit(.minutes(3)))
    func metricsParseAndMatchTheAPI() async throws {
        try await DemoWorld.with { world in
            try await eventually("both agents to say hello") { await world.coordinator.engine.agentStatuses().count == 2 }
            let id = try await world.startRollout()
            try await Task.sleep(for: .seconds(3))
            world.failCanary()
            try await eventually("the rollback", seconds: 60) { await world.coordinator.engine.rolloutView(id: id)?.phase == .rolledBack }
            world.stopTraffic()
            // The last windows close and are counted: wait until the counts
            // stop moving (no agent has unacked windows, two reads agree).
            var lastCounted = -1.0
            try await eventually("the last windows to be counted", seconds: 30) {
                let agents = try await HTTP.json(world.baseURL + "/api/v1/agents") as? [[String: Any]] ?? []
                let counted = agents.reduce(0.0) { $0 + (($1["windowsCounted"] as? NSNumber)?.doubleValue ?? 0) }
                let unacked = agents.reduce(0) { $0 + (($1["unackedWindows"] as? Int) ?? 0) }
                defer { lastCounted = counted }
                return unacked == 0 && counted == lastCounted
            }
            try await Task.sleep(for: .seconds(1))

            let text = try await HTTP.request("GET", world.baseURL + "/metrics").text
            let samples = try await Self.parse(text)
            let rollout = try await HTTP.json(world.baseURL + "/api/v1/rollouts/\(id)") as? [String: Any] ?? [:]
            let agents = try await HTTP.json(world.baseURL + "/api/v1/agents") as? [[String: Any]] ?? []
            let history = try await HTTP.json(world.baseURL + "/api/v1/models/\(DemoWorld.model)/history?since=0") as? [[String: Any]] ?? []
            let events = try await HTTP.json(world.baseURL + "/api/v1/rollouts/\(id)/events") as? [[String: Any]] ?? []

            // Rollout state.
            let labels = ["rollout": id, "model": DemoWorld.model]
            #expect(Self.value(samples, "canary_rollout_phase", labels.merging(["phase": "rolled_back"]) { $1 }) == 1)
            #expect(Self.value(samples, "canary_rollout_phase", labels) == 1, "exactly one phase is 1")
            #expect(Self.value(samples, "canary_rollout_step", labels) == (rollout["step"] as? NSNumber)?.doubleValue)
            #expect(Self.value(samples, "canary_rollout_canary_weight_ratio", labels)
                    == ((rollout["canaryWeightPPM"] as? NSNumber)?.doubleValue).map { $0 / 1_000_000 })

            // Requests, errors and latency per version: the journal's per-second sums.
            for version in ["v41", "v42"] {
                let rows = history.filter { $0["version"] as? String == version }
                let requests = rows.reduce(0.0) { $0 + (($1["requests"] as? NSNumber)?.doubleValue ?? 0) }
                let errors = rows.reduce(0.0) { $0 + (($1["errors"] as? NSNumber)?.doubleValue ?? 0) }
                let versionLabels = ["model": DemoWorld.model, "version": version]
                #expect(requests > 0)
                #expect(Self.value(samples, "canary_requests_total", versionLabels) == requests, "\(version) requests")
                #expect(Self.value(samples, "canary_request_errors_total", versionLabels) == errors, "\(version) errors")
                #expect(Self.value(samples, "canary_request_latency_seconds_count", versionLabels) == requests)
            }
            #expect((Self.value(samples, "canary_request_errors_total", ["version": "v42"]) ?? 0) > 0)

            // Decisions and breaches: the decision log.
            let decisions = events.filter { $0["kind"] as? String == "decision" }
            #expect(Self.value(samples, "canary_decisions_total", ["model": DemoWorld.model]) == Double(decisions.count))
            #expect(Self.value(samples, "canary_decisions_total", ["action": "rollback"]) == 1)
            let rollback = (rollout["lastDecision"] as? [String: Any])?["evidence"] as? [[String: Any]] ?? []
            #expect(!rollback.isEmpty)
            #expect(Self.value(samples, "canary_guard_breaches_total", ["model": DemoWorld.model]) == Double(rollback.count))
            for guardName in rollback.compactMap({ $0["guardName"] as? String }) {
                #expect(Self.value(samples, "canary_guard_breaches_total", ["guard": guardName]) ?? 0 >= 1)
            }
            #expect(Self.value(samples, "canary_decision_latency_seconds_count", ["action": "rollback"]) == 1)

            // Agents and the wire.
            let live = agents.filter { !($0["stale"] as? Bool ?? false) }.count
            #expect(Self.value(samples, "canary_agents", ["state": "live"]) == Double(live))
            #expect(Self.value(samples, "canary_agents", ["state": "stale"]) == Double(agents.count - live))
            let counted = agents.reduce(0.0) { $0 + (($1["windowsCounted"] as? NSNumber)?.doubleValue ?? 0) }
            #expect(Self.value(samples, "canary_windows_counted_total") == counted)
            #expect((Self.value(samples, "canary_windows_received_total") ?? 0) >= counted)
            let lost = agents.reduce(0.0) { $0 + (($1["ringLostTotal"] as? NSNumber)?.doubleValue ?? 0) + (($1["ringOverrunTotal"] as? NSNumber)?.doubleValue ?? 0) }
            #expect(Self.value(samples, "canary_ring_lost_samples_total") == lost)
            for name in ["canary_requests_total", "canary_windows_received_total", "canary_ring_lost_samples_total"] {
                #expect(text.contains("# TYPE \(name) counter"), "\(name) is a counter")
            }
            #expect(text.contains("# TYPE canary_request_latency_seconds histogram"))
        }
    }
}
