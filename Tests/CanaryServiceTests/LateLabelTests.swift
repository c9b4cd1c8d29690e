import CanaryAgent
import CanaryAPI
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Testing

/// Labels that arrive after their inference, with the label only, count:
/// the agent joins them to the prediction it read for the same key. Real
/// agents, rings, ZeroMQ and journal in one process.
@Suite("Late labels", .timeLimit(.minutes(2)))
struct LateLabelTests {
    static func totals(_ coordinator: RunningCoordinator, model: String, version: String) async throws -> ModelTotals.Version {
        let reply = try await TestHTTP.request("GET", coordinator.url + "/api/v1/models/\(model)/totals")
        return try JSONDecoder().decode(ModelTotals.self, from: reply.body)[version]
    }

    @Test("100 labels sent after their inferences count against the served predictions; unknown keys are unmatched")
    func lateLabelsCount() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("labels-")
        let agent = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        defer { agent.unlink() }
        for key in 1...100 {
            agent.recorder.record(latency: .milliseconds(5), prediction: .classIndex(Int32(key % 3)), key: UInt64(key))
        }
        var totals = try await Self.totals(coordinator, model: model, version: "v1")
        let served = try await eventually(timeout: .seconds(10)) {
            totals = try await Self.totals(coordinator, model: model, version: "v1")
            return totals.requests == 100
        }
        try #require(served, "requests counted: \(totals.requests)")
        #expect(totals.labeled == 0)
        // Later, as a label feed would: the key and the truth, no correct flag.
        for key in 1...100 {
            let truth = key <= 70 ? Int32(key % 3) : Int32(key % 3 + 1)
            agent.recorder.recordOutcome(key: UInt64(key), label: truth)
        }
        for key in 1_001...1_005 { agent.recorder.recordOutcome(key: UInt64(key), label: 1) }
        // Labels known at inference time count at once: 8 right, 2 wrong.
        for key in 2_001...2_010 {
            agent.recorder.record(latency: .milliseconds(5), prediction: .classIndex(1), key: UInt64(key), label: key <= 2_008 ? 1 : 0)
        }
        let counted = try await eventually(timeout: .seconds(10)) {
            totals = try await Self.totals(coordinator, model: model, version: "v1")
            return totals.labeled == 110 && totals.unmatched == 5
        }
        #expect(counted, "labeled \(totals.labeled), unmatched \(totals.unmatched)")
        #expect(totals.correct == 78)
        #expect(totals.requests == 110)
        let metrics = try await TestHTTP.request("GET", coordinator.url + "/metrics")
        #expect(metrics.text.contains("canary_outcomes_unmatched_total{model=\"\(model)\",version=\"v1\"} 5"), "\(metrics.text)")
        #expect(metrics.text.contains("canary_outcomes_labeled_total{model=\"\(model)\",version=\"v1\"} 110"))
        let history = try await TestHTTP.request("GET", coordinator.url + "/api/v1/models/\(model)/history")
        let rows = try JSONDecoder().decode([SecondMetrics].self, from: history.body)
        #expect(rows.map(\.unmatched).reduce(0, +) == 5, "\(history.text)")
        let health = await agent.agent.health()
        #expect(health.labelsMatched == 100 && health.outcomesUnmatched == 5 && health.labelsPending == 0)
        await agent.stop()
        await coordinator.stop()
    }

    @Test("max_pending bounds the predictions held and the horizon forgets old ones; what they drop is unmatched")
    func bounds() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("bounds-")
        let agent = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints,
                                                 labelHorizonMs: 1_000, labelMaxPending: 10)
        defer { agent.unlink() }
        for key in 1...20 { agent.recorder.record(latency: .milliseconds(2), prediction: .classIndex(3), key: UInt64(key)) }
        var health = await agent.agent.health()
        let read = await eventually(timeout: .seconds(5)) {
            health = await agent.agent.health()
            return health.samplesRead == 20
        }
        try #require(read)
        #expect(health.labelsPending == 10, "never more than max_pending")
        #expect(health.labelsEvicted == 10)
        for key in 1...20 { agent.recorder.recordOutcome(key: UInt64(key), label: 3) }
        var totals = try await Self.totals(coordinator, model: model, version: "v1")
        let evicted = try await eventually(timeout: .seconds(10)) {
            totals = try await Self.totals(coordinator, model: model, version: "v1")
            return totals.labeled == 10 && totals.unmatched == 10
        }
        #expect(evicted, "labeled \(totals.labeled), unmatched \(totals.unmatched): keys 1…10 were evicted")
        #expect(totals.correct == 10)
        // A label later than the 1 s horizon: the prediction is forgotten.
        agent.recorder.record(latency: .milliseconds(2), prediction: .classIndex(3), key: 50)
        let deadline = ContinuousClock.now + .milliseconds(1_300)
        try await Task.sleep(until: deadline)
        agent.recorder.recordOutcome(key: 50, label: 3)
        let expired = try await eventually(timeout: .seconds(10)) {
            totals = try await Self.totals(coordinator, model: model, version: "v1")
            return totals.unmatched == 11
        }
        #expect(expired, "unmatched \(totals.unmatched)")
        #expect(totals.labeled == 10)
        health = await agent.agent.health()
        #expect(health.labelsExpired >= 1 && health.labelsPending <= 10)
        await agent.stop()
        await coordinator.stop()
    }

    @Test("an outcome carrying its prediction counts in any ring of the serving version (another replica, a label feed)")
    func crossReplica() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("cross-")
        let served = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let other = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        defer { served.unlink(); other.unlink() }
        for key in 1...40 { served.recorder.record(latency: .milliseconds(2), prediction: .classIndex(Int32(key % 2)), key: UInt64(key)) }
        // The labels reach the other replica: 30 with what was predicted
        // (self-contained), 10 with the label only (that agent never saw the key).
        for key in 1...30 {
            other.recorder.recordOutcome(key: UInt64(key), label: key <= 20 ? Int32(key % 2) : 7, predicted: Int32(key % 2))
        }
        for key in 31...40 { other.recorder.recordOutcome(key: UInt64(key), label: Int32(key % 2)) }
        var totals = try await Self.totals(coordinator, model: model, version: "v1")
        let counted = try await eventually(timeout: .seconds(10)) {
            totals = try await Self.totals(coordinator, model: model, version: "v1")
            return totals.requests == 40 && totals.labeled == 30 && totals.unmatched == 10
        }
        #expect(counted, "requests \(totals.requests), labeled \(totals.labeled), unmatched \(totals.unmatched)")
        #expect(totals.correct == 20)
        await served.stop()
        await other.stop()
        await coordinator.stop()
    }

    @Test("the accuracy guard judges joined labels: a canary whose late labels disagree is rolled back")
    func accuracyGuardOnJoinedLabels() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("accuracy-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        let plan = fastPlan(model: model, bake: "30s") + """

              - metric: accuracy
                min: 80%
                min_samples: 50
            """
        // A start needs both versions live (409 no_live_agents otherwise).
        try await coordinator.waitForAgents(model: model, versions: ["v1", "v2"])
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: plan)
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String, "\(started.text)")
        // Both serve; every label comes later, label only: the baseline
        // was right 95 % of the time, the canary 40 %.
        let traffic = [(baseline.recorder, 0.95, UInt64(1)), (canary.recorder, 0.40, UInt64(1) << 40)].map { recorder, right, base in
            Task {
                var rng = SeededRandom(seed: base)
                var key = base
                while !Task.isCancelled {
                    let batch = (0..<10).map { _ in key += 1; return (key, Int32(rng.next() % 4)) }
                    for (key, predicted) in batch {
                        recorder.record(latency: .milliseconds(5), prediction: .classIndex(predicted), key: key)
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                    for (key, predicted) in batch {
                        recorder.recordOutcome(key: key, label: rng.uniform() < right ? predicted : predicted + 1)
                    }
                }
            }
        }
        defer { traffic.forEach { $0.cancel() } }
        var view: [String: Any] = [:]
        let rolledBack = try await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            view = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")
            return view["phase"] as? String == "rolled_back"
        }
        #expect(rolledBack, "phase is \(view["phase"] ?? "?")")
        let evidence = ((view["lastDecision"] as? [String: Any])?["evidence"] as? [[String: Any]]) ?? []
        #expect(evidence.contains { ($0["sentence"] as? String ?? "").contains("accuracy") }, "\(evidence)")
        let summaries = view["summaries"] as? [String: [String: Any]] ?? [:]
        #expect((summaries["v2"]?["labeled"] as? Int ?? 0) >= 50)
        #expect(summaries["v2"]?["unmatched"] as? Int == 0)
        traffic.forEach { $0.cancel() }
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }
}
