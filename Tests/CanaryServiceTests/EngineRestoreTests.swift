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
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, nowMs: start)
        let (view, _) = try await first.start(planSource: fastPlan(model: "restore", bake: "1h"), nowMs: start)
        var now = start
        var sequence: UInt64 = 0
        // 30 flushes 100 ms apart: several snapshots, and windows logged in between.
        for _ in 0..<30 {
            now += 100
            sequence += 1
            _ = await first.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: sequence, requests: 50, errors: 1, atMs: now), nowMs: now)
            _ = await first.receive(routingID: [2], frames: try Self.frames(agent: "b", version: "v2", sequence: sequence, requests: 10, errors: 0, atMs: now), nowMs: now)
            _ = await first.flush(nowMs: now)
        }
        let before = try #require(await first.rolloutView(id: view.id))
        #expect(before.summaries["v1"]?.requests == 1_500)
        #expect(before.summaries["v2"]?.requests == 300)

        // A crash: nothing more is written; a new engine opens the same journal.
        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, nowMs: now + 1_000)
        let after = try #require(await second.rolloutView(id: view.id))
        #expect(after.summaries["v1"]?.requests == 1_500)
        #expect(after.summaries["v2"]?.requests == 300)
        #expect(after.phase == before.phase)
        #expect(after.step == before.step)
        // Resends of counted windows are acked as duplicates and not counted again.
        let replies = await second.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: 30, requests: 50, errors: 1, atMs: now), nowMs: now + 1_100)
        guard case .reply(_, .ack(let ack))? = replies.first else {
            Issue.record("expected an ack, got \(replies)")
            return
        }
        #expect(ack.duplicate)
        _ = await second.flush(nowMs: now + 1_100)
        #expect(await second.rolloutView(id: view.id)?.summaries["v1"]?.requests == 1_500)
    }
}
