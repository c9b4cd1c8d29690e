import CanaryAgent
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Testing

/// Agents and a coordinator in one process, over real ZeroMQ sockets, real
/// shared memory and a real SQLite journal.
@Suite("Agents and coordinator", .serialized, .timeLimit(.minutes(2)))
struct ClusterTests {
    static func requests(_ journalPath: String, model: String) throws -> [String: Int64] {
        let journal = try Journal(path: journalPath)
        var totals: [String: Int64] = [:]
        for row in try journal.aggregates(model: model, sinceSecond: 0) { totals[row.version, default: 0] += row.requests }
        return totals
    }

    @Test("samples written into the rings arrive as merged windows with exact counts")
    func exactCounts() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("exact-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        for i in 0..<1_500 {
            baseline.recorder.record(latency: .milliseconds(10 + i % 7), status: i % 50 == 0 ? .serverError : .ok, key: UInt64(i))
        }
        for i in 0..<700 {
            canary.recorder.record(latency: .milliseconds(12), status: .ok, prediction: .classIndex(1), key: UInt64(i))
            canary.recorder.recordOutcome(key: UInt64(i), label: 1, correct: i % 10 != 0)
        }
        let arrived = try await eventually(timeout: .seconds(10)) {
            try Self.requests(coordinator.journalPath, model: model) == ["v1": 1_500, "v2": 700]
        }
        let counts = try Self.requests(coordinator.journalPath, model: model)
        #expect(arrived, "journal has \(counts)")
        let journal = try Journal(path: coordinator.journalPath)
        let rows = try journal.aggregates(model: model, sinceSecond: 0)
        #expect(rows.filter { $0.version == "v1" }.map(\.errors).reduce(0, +) == 30)
        #expect(rows.filter { $0.version == "v2" }.map(\.labeled).reduce(0, +) == 700)
        #expect(rows.filter { $0.version == "v2" }.map(\.correct).reduce(0, +) == 630)
        #expect(try journal.journalMode() == "wal")
        let agents = await coordinator.coordinator.engine.agentStatuses()
        // A duplicate is only ever a resend (an ack later than the agent's
        // 2 s resend pace, as on a loaded machine): never more duplicates
        // than resends, and the counts above are exact either way.
        let duplicates = agents.map(\.windowsDuplicate).reduce(0, +)
        let resent = await baseline.agent.health().windowsResent + canary.agent.health().windowsResent
        #expect(duplicates <= resent, "\(duplicates) duplicates counted, \(resent) windows resent")
        #expect(agents.allSatisfy { !$0.stale })
        // Each agent announces the version `canary --version` prints.
        #expect(agents.count == 2 && agents.allSatisfy { $0.softwareVersion == CanaryVersion.string }, "\(agents.map(\.softwareVersion))")
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }

    @Test("a healthy canary walks the steps to promotion")
    func healthyPromotes() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("healthy-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 600, errorRate: 0.005, seed: 1) },
            Task { await serveTraffic(canary.recorder, perSecond: 600, errorRate: 0.005, seed: 2) },
        ]
        defer { traffic.forEach { $0.cancel() } }
        try await coordinator.waitForAgents(model: model)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: fastPlan(model: model))
        #expect(started.status == 201, "\(started.text)")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        var phase = ""
        let promoted = try await eventually(timeout: .seconds(40), every: .milliseconds(250)) {
            phase = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")["phase"] as? String ?? ""
            return phase == "promoted"
        }
        #expect(promoted, "phase is \(phase)")
        let pagesFollow = try await eventually(timeout: .seconds(5)) {
            try baseline.canaryPPM(canary: "v2") == 1_000_000 && canary.canaryPPM(canary: "v2") == 1_000_000
        }
        #expect(pagesFollow)
        let events = try await TestHTTP.request("GET", coordinator.url + "/api/v1/rollouts/\(id)/events")
        let actions = (try events.json() as? [[String: Any]] ?? []).map { $0["action"] as? String ?? "" }
        #expect(actions.filter { $0 == "advance" }.count == 3, "\(actions)")
        #expect(actions.last == "promote", "\(actions)")
        traffic.forEach { $0.cancel() }
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }

    @Test("a canary with 30 % server errors is rolled back and both route pages show 0 %")
    func failingRollsBack() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("failing-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        try await coordinator.waitForAgents(model: model)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "30s"))
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        let split = try await eventually(timeout: .seconds(5)) {
            try baseline.canaryPPM(canary: "v2") == 100_000 && canary.canaryPPM(canary: "v2") == 100_000
        }
        #expect(split, "both pages show the first step before the fault")
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 500, errorRate: 0.005, seed: 3) },
            Task { await serveTraffic(canary.recorder, perSecond: 500, errorRate: 0.30, seed: 4) },
        ]
        defer { traffic.forEach { $0.cancel() } }
        var view: [String: Any] = [:]
        let rolledBack = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            view = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")
            return view["phase"] as? String == "rolled_back"
        }
        #expect(rolledBack, "phase is \(view["phase"] ?? "?")")
        let decision = view["lastDecision"] as? [String: Any]
        #expect(decision?["action"] as? String == "rollback")
        #expect(((decision?["evidence"] as? [[String: Any]]) ?? []).contains { ($0["sentence"] as? String ?? "").contains("error") })
        let zero = try await eventually(timeout: .seconds(3)) {
            try baseline.canaryPPM(canary: "v2") == 0 && canary.canaryPPM(canary: "v2") == 0
        }
        let pages = (try baseline.canaryPPM(canary: "v2"), try canary.canaryPPM(canary: "v2"))
        #expect(zero, "route pages: \(String(describing: pages))")
        traffic.forEach { $0.cancel() }
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }

    @Test("operator commands through the API; refusals are JSON with a reason")
    func operatorCommands() async throws {
        let coordinator = try await RunningCoordinator.start(token: "s3cret")
        let model = Unique.name("ops-")
        let plan = fastPlan(model: model, bake: "1h")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        try await coordinator.waitForAgents(model: model, token: "s3cret")
        let unauthorized = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: plan)
        #expect(unauthorized.status == 401)
        #expect(unauthorized.text.contains("token"))
        let bad = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: "model: x\nsteps: [150%]\n", token: "s3cret")
        #expect(bad.status == 400)
        #expect(bad.text.contains("line"))
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: plan, token: "s3cret")
        #expect(started.status == 201)
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        let again = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: plan, token: "s3cret")
        #expect(again.status == 409)
        let base = coordinator.url + "/api/v1/rollouts/\(id)"
        #expect(try await TestHTTP.request("POST", base + "/pause", token: "s3cret").status == 200)
        #expect(try await TestHTTP.request("POST", base + "/pause", token: "s3cret").status == 409)
        #expect(try await TestHTTP.request("POST", base + "/resume", token: "s3cret").status == 200)
        let weight = try await TestHTTP.request("PUT", base + "/weight", body: #"{"percent": 5}"#, token: "s3cret")
        #expect(weight.status == 200)
        #expect((try weight.json() as? [String: Any])?["canaryWeightPPM"] as? Int == 50_000)
        #expect(try await TestHTTP.request("PUT", base + "/weight", body: #"{"percent": 150}"#, token: "s3cret").status == 400)
        #expect(try await TestHTTP.request("PUT", base + "/weight", body: "nonsense", token: "s3cret").status == 400)
        #expect(try await TestHTTP.request("POST", base + "/abort", token: "s3cret").status == 200)
        #expect(try await TestHTTP.request("POST", base + "/promote", token: "s3cret").status == 409)
        #expect(try await TestHTTP.request("GET", coordinator.url + "/api/v1/rollouts/nope", token: "s3cret").status == 404)
        let health = try await TestHTTP.object("GET", coordinator.url + "/healthz")
        #expect(health["status"] as? String == "ok")
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }
}
