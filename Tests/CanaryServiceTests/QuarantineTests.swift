import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import GRDB
import Testing

/// Recovery never trusts the journal blindly: a rollout whose journaled
/// state fails to load or to check is quarantined (shown in the API with the
/// error), and every other rollout resumes.
@Suite("Quarantine at recovery", .serialized, .timeLimit(.minutes(1)))
struct QuarantineTests {
    /// Two rollouts journaled by a real engine; then `poison` edits the
    /// stored state of the first one through SQLite.
    static func journal(poison: @escaping @Sendable (Database, _ id: String) throws -> Void) async throws -> (path: String, poisoned: String, healthy: String) {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let now = BoundedIntakeTests.nowMs()
        let engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
        let models = (poisoned: Unique.name("poisoned-"), healthy: Unique.name("healthy-"))
        await sayHello(to: engine, model: models.poisoned, agents: [("p1", "v1"), ("p2", "v2")], now: ClockReading(ms: now))
        await sayHello(to: engine, model: models.healthy, agents: [("h1", "v1"), ("h2", "v2")], now: ClockReading(ms: now))
        let (poisoned, _) = try await engine.start(planSource: fastPlan(model: models.poisoned, bake: "1h"), now: ClockReading(ms: now))
        let (healthy, _) = try await engine.start(planSource: fastPlan(model: models.healthy, bake: "1h"), now: ClockReading(ms: now))
        _ = await engine.tick(now: ClockReading(ms: now + 1_500))
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in try poison(db, poisoned.id) }
        try queue.close()
        return (path, poisoned.id, healthy.id)
    }

    static func check(path: String, poisoned: String, healthy: String, mentions: String) async throws {
        let coordinator = try await RunningCoordinator.start(journalPath: path)
        let health = try await TestHTTP.request("GET", coordinator.url + "/healthz")
        #expect(health.status == 200)
        let bad = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(poisoned)")
        let quarantine = bad["quarantine"] as? String ?? ""
        #expect(quarantine.contains(mentions), "quarantine: \(quarantine)")
        let good = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(healthy)")
        #expect(good["quarantine"] == nil)
        #expect(good["phase"] as? String == "progressing")
        // The healthy one is steered: it takes commands.
        let paused = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts/\(healthy)/pause")
        #expect(paused.status == 200, "\(paused.text)")
        // The listing shows both.
        let list = try await TestHTTP.request("GET", coordinator.url + "/api/v1/rollouts")
        let ids = (try list.json() as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(Set(ids).isSuperset(of: [poisoned, healthy]), "\(ids)")
        await coordinator.stop()
    }

    @Test("a state snapshot that is not JSON is quarantined; the other rollout resumes")
    func unreadableState() async throws {
        let (path, poisoned, healthy) = try await Self.journal { db, id in
            try db.execute(sql: "UPDATE rollout SET stateJSON = ? WHERE id = ?", arguments: ["{\"plan\": 42", id])
        }
        try await Self.check(path: path, poisoned: poisoned, healthy: healthy, mentions: "not valid JSON")
    }

    @Test("a state that decodes but fails its checks (weight over 100 %) is quarantined, not evaluated")
    func stateOverBounds() async throws {
        let (path, poisoned, healthy) = try await Self.journal { db, id in
            guard let json = try String.fetchOne(db, sql: "SELECT stateJSON FROM rollout WHERE id = ?", arguments: [id]),
                  var state = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
                throw TestFailure("no state for \(id)")
            }
            // Weight over 100 %: decodes, fails the checks.
            state["canaryWeightPPM"] = 5_000_000
            let data = try JSONSerialization.data(withJSONObject: state)
            try db.execute(sql: "UPDATE rollout SET stateJSON = ? WHERE id = ?", arguments: [String(decoding: data, as: UTF8.self), id])
        }
        try await Self.check(path: path, poisoned: poisoned, healthy: healthy, mentions: "over 100 %")
    }

    @Test("regression: logged windows whose merge would wrap are refused at replay; the rollout still resumes")
    func windowLogThatWraps() async throws {
        let (path, poisoned, healthy) = try await Self.journal { db, id in
            let model = try String.fetchOne(db, sql: "SELECT model FROM rollout WHERE id = ?", arguments: [id]) ?? ""
            for sequence in [1, 2] as [UInt64] {
                var wire = BoundedIntakeTests.window(agent: "evil", model: model, version: "v1", sequence: sequence,
                                                     buckets: [(2_000, WindowBounds.maxCount)])
                wire.agentEpoch = 1
                let body = try wire.serializedBytes() as [UInt8]
                try db.execute(sql: "INSERT INTO window_log (rolloutID, receivedMs, body) VALUES (?, ?, ?)",
                               arguments: [id, BoundedIntakeTests.nowMs(), Data(body)])
            }
        }
        let coordinator = try await RunningCoordinator.start(journalPath: path)
        for id in [poisoned, healthy] {
            let view = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")
            #expect(view["quarantine"] == nil)
            #expect(view["phase"] as? String == "progressing")
        }
        let view = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(poisoned)")
        let summaries = view["summaries"] as? [String: [String: Any]] ?? [:]
        #expect((summaries["v1"]?["requests"] as? NSNumber)?.uint64Value == WindowBounds.maxCount, "\(summaries)")
        await coordinator.stop()
    }
}
