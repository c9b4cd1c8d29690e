import CanaryAPI
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// The engine driven with injected clock readings: the wall clock jumps
/// (forward an hour, back an hour) or the monotonic clock leaps (a stopped
/// process) while two agents report every 100 ms of monotonic time.
@Suite("Wall-clock jumps (injected clock)")
struct WallClockJumpTests {
    /// Runs a 3-step rollout (3 s bake) on 100 ms monotonic steps; `wallOffset`
    /// gives the coordinator's wall clock less the agents' at each monotonic
    /// millisecond since the start, `gap` a stretch of monotonic time with no
    /// reading at all. Returns the monotonic ms at which each step was left.
    static func run(wallOffset: (Int64) -> Int64, gap: (atMs: Int64, ms: Int64)? = nil) async throws
        -> (leftAt: [Int64], decisions: [Decision]) {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let agentsWall: Int64 = 1_800_000_000_000
        let monotonic0: Int64 = 5_000_000
        func reading(_ t: Int64) -> ClockReading {
            ClockReading(wallMs: agentsWall + t + wallOffset(t), monotonicMs: monotonic0 + t)
        }
        let engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: reading(0))
        let model = Unique.name("jump-")
        await sayHello(to: engine, model: model, now: reading(0))
        let (view, _) = try await engine.start(planSource: fastPlan(model: model, bake: "3s"), now: reading(0))
        var leftAt: [Int64] = []
        var step = 1
        var t: Int64 = 0
        var sequence: UInt64 = 0
        while t < 30_000, leftAt.count < 2 {
            t += 100
            if let gap, t > gap.atMs, t - 100 <= gap.atMs { t += gap.ms }
            sequence += 1
            for (agent, version) in [("a", "v1"), ("b", "v2")] {
                var latency = try LatencyHistogram(settings: .fleetDefault)
                latency.record(micros: 20_000, count: 500)
                let window = Window(agentID: agent, agentEpoch: 1, sequence: sequence, model: model, version: version,
                                    startMs: agentsWall + t - 100, endMs: agentsWall + t, requestCount: 500,
                                    statuses: StatusCounts(ok: 498, serverError: 2), latency: latency)
                _ = await engine.receive(routingID: [1], frames: WireMessage.window(Canary_V1_Window(window)).encode(), now: reading(t))
            }
            _ = await engine.flush(now: reading(t))
            _ = await engine.tick(now: reading(t))
            let current = try #require(await engine.rolloutView(id: view.id))
            if current.phase == .promoted || current.step > step {
                leftAt.append(t)
                step += 1
            }
        }
        let events = try await engine.journal.readEvents(rolloutID: view.id, limit: 100)
        let decisions = try events.filter { $0.kind == "decision" }.map {
            try JSONDecoder().decode(DecisionEvent.self, from: Data($0.payloadJSON.utf8)).decision
        }
        return (leftAt, decisions)
    }

    @Test("the wall clock an hour ahead, then 64 minutes back: each step bakes its 3 s, no less, no more")
    func wallJumps() async throws {
        // +1 h from 200 ms on; once the second step has begun (by 3.5 s), back
        // to 4 min behind the agents (within limits.max_clock_skew, so their
        // windows stay plausible).
        let (leftAt, decisions) = try await Self.run(wallOffset: { t in t < 200 ? 0 : t < 3_500 ? 3_600_000 : -240_000 })
        try #require(leftAt.count == 2, "the rollout stalled: left steps at \(leftAt)")
        #expect(leftAt[0] >= 3_000 && leftAt[0] <= 3_400, "step 1 left at \(leftAt[0]) ms")
        #expect(leftAt[1] - leftAt[0] >= 3_000 && leftAt[1] - leftAt[0] <= 3_400, "step 2 left \(leftAt[1] - leftAt[0]) ms after step 1")
        let ends = decisions.filter { $0.bake != nil }
        #expect(ends.count == 2)
        for end in ends {
            #expect(end.bake.map { $0.bakedMs >= 3_000 && $0.bakedMs <= 3_400 && $0.stoppedMs == 0 && $0.downMs == 0 } == true, "\(end)")
        }
        // Decisions are stamped with the coordinator's wall clock, jumps and all.
        #expect(ends.first.map { $0.atMs > 1_800_000_000_000 + 3_500_000 } == true)
    }

    @Test("a 20 s leap of the monotonic clock between two readings counts 1 s; the step's record says the rest was stopped")
    func monotonicLeap() async throws {
        let (leftAt, decisions) = try await Self.run(wallOffset: { _ in 0 }, gap: (atMs: 1_000, ms: 20_000))
        try #require(leftAt.count == 2, "the rollout stalled: left steps at \(leftAt)")
        // Observed: 1 s before the leap, 1 s of it, then the 1 s more the bake needs.
        #expect(leftAt[0] >= 22_000 && leftAt[0] <= 22_400, "step 1 left at \(leftAt[0]) ms")
        let bake = try #require(decisions.first { $0.bake != nil }?.bake)
        // The reading after the leap came 20.1 s after the one before it.
        #expect(bake.stoppedMs == 19_100, "\(bake)")
        #expect(bake.bakedMs >= 3_000 && bake.bakedMs <= 3_400, "\(bake)")
    }
}
