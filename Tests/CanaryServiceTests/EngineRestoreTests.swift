import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// The engine restored from its journal holds exactly the state it had:
/// snapshots plus the windows logged since the last one.
@Suite("Engine restore")
struct EngineRestoreTests {
    static func frames(agent: String, version: String, sequence: UInt64, requests: UInt64, errors: UInt64, atMs: Int64) throws -> [[UInt8]] {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: 20_000, count: requests)
        let window = Window(agentID: agent, agentEpoch: 1, sequence: sequence, model: "restore", version: version,
                            startMs: atMs - 200, endMs: atMs, requestCount: requests,
                            statuses: StatusCounts(ok: requests - errors, serverError: errors), latency: latency)
        return WireMessage.window(Canary_V1_Window(window)).encode()
    }

    @Test("windows counted between snapshots survive a restart, once")
    func restore() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let start: Int64 = 1_800_000_000_000
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: first, model: "restore", now: ClockReading(ms: start))
        let (view, _) = try await first.start(planSource: fastPlan(model: "restore", bake: "1h"), now: ClockReading(ms: start))
        var now = start
        var sequence: UInt64 = 0
        // 30 flushes 100 ms apart: several snapshots, and windows logged in between.
        for _ in 0..<30 {
            now += 100
            sequence += 1
            _ = await first.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: sequence, requests: 50, errors: 1, atMs: now), now: ClockReading(ms: now))
            _ = await first.receive(routingID: [2], frames: try Self.frames(agent: "b", version: "v2", sequence: sequence, requests: 10, errors: 0, atMs: now), now: ClockReading(ms: now))
            _ = await first.flush(now: ClockReading(ms: now))
        }
        let before = try #require(await first.rolloutView(id: view.id))
        #expect(before.summaries["v1"]?.requests == 1_500)
        #expect(before.summaries["v2"]?.requests == 300)

        // A crash: nothing more is written; a new engine opens the same journal.
        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now + 1_000))
        let after = try #require(await second.rolloutView(id: view.id))
        #expect(after.summaries["v1"]?.requests == 1_500)
        #expect(after.summaries["v2"]?.requests == 300)
        #expect(after.phase == before.phase)
        #expect(after.step == before.step)
        // Resends of counted windows are acked as duplicates and not counted again.
        let replies = await second.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: 30, requests: 50, errors: 1, atMs: now), now: ClockReading(ms: now + 1_100))
        guard case .reply(_, .ack(let ack))? = replies.first else {
            Issue.record("expected an ack, got \(replies)")
            return
        }
        #expect(ack.duplicate)
        _ = await second.flush(now: ClockReading(ms: now + 1_100))
        #expect(await second.rolloutView(id: view.id)?.summaries["v1"]?.requests == 1_500)
    }

    @Test("a stale list saved before a restart is not waited for: the fleet is rebuilt from the agents that speak")
    func staleAtRestart() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let start: Int64 = 1_800_000_000_000
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: first, model: "restore", now: ClockReading(ms: start))
        let (view, _) = try await first.start(planSource: fastPlan(model: "restore", bake: "1h"), now: ClockReading(ms: start))
        var now = start
        var sequence: UInt64 = 0
        func feed(_ engine: CoordinatorEngine, agents: [(String, String)]) async throws {
            now += 100
            sequence += 1
            for (index, (agent, version)) in agents.enumerated() {
                _ = await engine.receive(routingID: [UInt8(index + 1)], frames: try Self.frames(agent: agent, version: version, sequence: sequence, requests: 10, errors: 0, atMs: now), now: ClockReading(ms: now))
            }
            _ = await engine.flush(now: ClockReading(ms: now))
            _ = await engine.tick(now: ClockReading(ms: now))
        }
        func hello(_ engine: CoordinatorEngine, _ agent: String, _ version: String, routingID: UInt8) async {
            var hello = Canary_V1_Hello()
            hello.agentID = agent
            hello.agentEpoch = 1
            hello.model = "restore"
            hello.version = version
            _ = await engine.receive(routingID: [routingID], frames: WireMessage.hello(hello).encode(), now: ClockReading(ms: now))
        }
        await hello(first, "a", "v1", routingID: 1)
        await hello(first, "b", "v2", routingID: 2)
        try await feed(first, agents: [("a", "v1"), ("b", "v2")])
        // b falls silent past the stale timeout while a goes on.
        for _ in 0..<Int(config.staleAfterMs / 100 + 10) { try await feed(first, agents: [("a", "v1")]) }
        let before = try #require(await first.rolloutView(id: view.id))
        let fleetBefore = await first.agentStatuses().map { "\($0.agentID) stale \($0.stale) seen \($0.lastSeenMs)" }
        #expect(before.staleAgents == ["b"], "fleet \(fleetBefore), now \(now)")
        #expect(before.waitingFor.contains { $0.hasPrefix("stale agents") }, "\(before.waitingFor)")
        now += 1_000
        _ = await first.tick(now: ClockReading(ms: now))

        // A crash and a restart: the stale list is not carried over.
        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now + 1_000))
        let after = try #require(await second.rolloutView(id: view.id))
        #expect(after.staleAgents.isEmpty)
        // What it waits for is re-evaluated on the first tick: not stale agents.
        _ = await second.tick(now: ClockReading(ms: now + 1_100))
        _ = await second.tick(now: ClockReading(ms: now + 2_200))
        let ticked = try #require(await second.rolloutView(id: view.id))
        #expect(!ticked.waitingFor.contains { $0.hasPrefix("stale agents") }, "\(ticked.waitingFor)")
        #expect(after.summaries["v1"]?.requests == before.summaries["v1"]?.requests)
        // Both agents speak again and are live; none is stale; b's new windows count.
        sequence += 1_000
        await hello(second, "a", "v1", routingID: 1)
        await hello(second, "b", "v2", routingID: 2)
        try await feed(second, agents: [("a", "v1"), ("b", "v2")])
        #expect(await second.agentStatuses().allSatisfy { !$0.stale })
        #expect(await second.rolloutView(id: view.id)?.staleAgents.isEmpty == true)
        #expect(await second.rolloutView(id: view.id)?.summaries["v2"]?.requests == 20)
    }
}
