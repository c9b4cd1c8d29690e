import CanaryAPI
import CanaryCore
import CanaryShm
import Foundation
import Testing

/// A control arm end to end (issue 14): three in-process agents — the
/// primary (baseline), a control replica of the baseline version and the
/// canary — over real ZeroMQ, real shared memory and the real journal.
@Suite("Control arm end to end", .timeLimit(.minutes(2)))
struct ControlArmClusterTests {
    /// The canary and the control are both slower than the primary (small
    /// and cold alike): a p99 guard against the primary would trip, against
    /// the control it passes.
    static func plan(_ model: String) -> String {
        """
        model: \(model)
        baseline: v1
        canary: v2
        control: v1-control
        steps: [10%, 100%]
        bake:
          min_duration: 1s
          min_samples_per_arm: 100
        analysis_window: 5s
        alpha: 0.01
        on_breach: rollback
        stale_after: 3s
        guards:
          - metric: latency_p99
            tolerance: 20%
            min_samples: 100
        """
    }

    @Test("three agents: refused without a live control, three route entries, the canary judged against the control")
    func controlArmEndToEnd() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("control-")
        let primary = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints, role: "canary")
        defer { primary.unlink(); canary.unlink() }
        try await coordinator.waitForAgents(model: model)

        let refused = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: Self.plan(model))
        #expect(refused.status == 409 && refused.text.contains("role: control"), "\(refused.status) \(refused.text)")

        let control = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints, role: "control")
        defer { control.unlink() }
        let controlLive = try await eventually(timeout: .seconds(20)) {
            let agents = try JSONDecoder().decode([AgentStatus].self, from: try await TestHTTP.request("GET", coordinator.url + "/api/v1/agents").body)
            return agents.contains { $0.agentID == control.config.agentID && $0.role == "control" && !$0.stale }
        }
        #expect(controlLive)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: Self.plan(model))
        #expect(started.status == 201, "\(started.text)")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)

        // Every agent's route page: canary, control, primary, in that order.
        let expected = [RouteEntry(version: "v2", weightPPM: 100_000), RouteEntry(version: "v1-control", weightPPM: 100_000),
                        RouteEntry(version: "v1", weightPPM: 800_000)]
        var pages: [[RouteEntry]] = []
        let split = try await eventually(timeout: .seconds(10)) {
            pages = try [primary, control, canary].map { try $0.agent.routePage.read().entries }
            return pages.allSatisfy { $0 == expected }
        }
        #expect(split, "route pages: \(pages)")

        let traffic = [
            Task { await serveTraffic(primary.recorder, perSecond: 800, errorRate: 0, medianMs: 10, seed: 11) },
            Task { await serveTraffic(control.recorder, perSecond: 300, errorRate: 0, medianMs: 30, seed: 12) },
            Task { await serveTraffic(canary.recorder, perSecond: 300, errorRate: 0, medianMs: 30, seed: 13) },
        ]
        defer { traffic.forEach { $0.cancel() } }
        var events: [[String: Any]] = []
        let advanced = try await eventually(timeout: .seconds(40), every: .milliseconds(250)) {
            let reply = try await TestHTTP.request("GET", coordinator.url + "/api/v1/rollouts/\(id)/events")
            events = (try reply.json() as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "decision" }
            return events.contains { ["promote", "rollback"].contains($0["action"] as? String ?? "") }
        }
        let actions = events.map { $0["action"] as? String ?? "" }
        #expect(advanced && actions.last == "promote", "\(actions): \(events.last?["reason"] ?? "")")
        let decision = (events.last?["payload"] as? [String: Any])?["decision"] as? [String: Any]
        let evidence = try #require((decision?["evidence"] as? [[String: Any]])?.first, "\(events.last ?? [:])")
        #expect(evidence["comparedWith"] as? String == "control")
        #expect((evidence["sentence"] as? String ?? "").contains("vs control"), "\(evidence)")
        // The control's requests, not the primary's, are what the canary was compared with.
        #expect((evidence["baselineSamples"] as? Int ?? 0) < (evidence["canarySamples"] as? Int ?? 0) * 2, "\(evidence)")
        traffic.forEach { $0.cancel() }
        await primary.stop()
        await control.stop()
        await canary.stop()
        await coordinator.stop()
    }
}
