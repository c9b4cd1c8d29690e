import CanaryAPI
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// Who is in the fleet, judged by the engine on crafted messages: a goodbye
/// takes an agent out at once, silence past `forget_after` does too, and
/// two live processes under one agent id are told from a restart.
@Suite("Fleet membership")
struct FleetMembershipTests {
    static let start: Int64 = 1_800_000_000_000

    /// An engine on a fresh journal with a rollout of `model` in progress (bake 1 h: it stays on its first step).
    static func engine(model: String, path: String = Unique.directory() + "/journal.sqlite",
                       staleAfterMs: Int64 = 1_000, forgetAfterMs: Int64 = 300_000) async throws -> (CoordinatorEngine, String) {
        var config = CoordinatorConfig()
        config.journalPath = path
        config.staleAfterMs = staleAfterMs
        config.forgetAfterMs = forgetAfterMs
        let engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        // A rollout starts only with live agents of both versions.
        await sayHello(to: engine, model: model, agents: [("seed-v1", "v1"), ("seed-v2", "v2")], now: ClockReading(ms: start))
        let (view, _) = try await engine.start(planSource: fastPlan(model: model, bake: "1h"), now: ClockReading(ms: start))
        // Gone again before the case begins: its fleet is its own agents.
        for seed in ["seed-v1", "seed-v2"] { _ = try await engine.removeAgent(seed, now: ClockReading(ms: start)) }
        return (engine, view.id)
    }

    static func hello(_ id: String, epoch: UInt64, model: String, version: String = "v2", host: String = "", ring: String = "") -> [[UInt8]] {
        var hello = Canary_V1_Hello()
        hello.agentID = id
        hello.agentEpoch = epoch
        hello.model = model
        hello.version = version
        hello.host = host
        hello.ringName = ring
        return WireMessage.hello(hello).encode()
    }

    static func heartbeat(_ id: String, epoch: UInt64) -> [[UInt8]] {
        var beat = Canary_V1_Heartbeat()
        beat.agentID = id
        beat.agentEpoch = epoch
        return WireMessage.heartbeat(beat).encode()
    }

    static func goodbye(_ id: String, epoch: UInt64, lastSequence: UInt64) -> [[UInt8]] {
        var bye = Canary_V1_Goodbye()
        bye.agentID = id
        bye.agentEpoch = epoch
        bye.lastSequence = lastSequence
        bye.reason = "shutdown"
        return WireMessage.goodbye(bye).encode()
    }

    static func window(_ id: String, epoch: UInt64, sequence: UInt64, model: String, atMs: Int64) throws -> [[UInt8]] {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: 10_000, count: 10)
        let window = Window(agentID: id, agentEpoch: epoch, sequence: sequence, model: model, version: "v2",
                            startMs: atMs - 200, endMs: atMs, requestCount: 10, statuses: StatusCounts(ok: 10), latency: latency)
        return WireMessage.window(Canary_V1_Window(window)).encode()
    }

    /// Everything the engine answers to `frames` at `ms`, after a flush.
    static func send(_ engine: CoordinatorEngine, _ frames: [[UInt8]], from routingID: [UInt8] = [1], at ms: Int64) async -> [(to: [UInt8], WireMessage)] {
        let out = await engine.receive(routingID: routingID, frames: frames, now: ClockReading(ms: ms)) + (await engine.flush(now: ClockReading(ms: ms)))
        return out.compactMap { if case .reply(let to, let message) = $0 { (to, message) } else { nil } }
    }

    static func rejects(_ replies: [(to: [UInt8], WireMessage)]) -> [(to: [UInt8], Canary_V1_Reject)] {
        replies.compactMap { if case .reject(let reject) = $0.1 { ($0.to, reject) } else { nil } }
    }

    static func acks(_ replies: [(to: [UInt8], WireMessage)]) -> [Canary_V1_Ack] {
        replies.compactMap { if case .ack(let ack) = $0.1 { ack } else { nil } }
    }

    /// Ticks every 200 ms up to `ms` (a longer gap is a coordinator that did not run: RunClock leaves it out).
    static func advance(_ engine: CoordinatorEngine, from now: inout Int64, by ms: Int64) async {
        let end = now + ms
        while now < end {
            now = min(end, now + 200)
            _ = await engine.tick(now: ClockReading(ms: now))
        }
    }

    @Test("a goodbye takes the agent out of the fleet and the stale list at once; windows after it are refused, also after a restart; a new epoch is welcome")
    func goodbye() async throws {
        let model = Unique.name("goodbye-")
        let path = Unique.directory() + "/journal.sqlite"
        let (engine, id) = try await Self.engine(model: model, path: path)
        var now = Self.start
        _ = await Self.send(engine, Self.hello("a", epoch: 1, model: model), at: now)
        _ = await Self.send(engine, Self.hello("b", epoch: 1, model: model), at: now)
        for sequence: UInt64 in 1...2 {
            now += 200
            #expect(Self.acks(await Self.send(engine, try Self.window("a", epoch: 1, sequence: sequence, model: model, atMs: now), at: now)).count == 1)
        }
        // b falls silent: stale, and the rollout waits for it.
        now += 1_500
        _ = await Self.send(engine, Self.heartbeat("a", epoch: 1), at: now)
        _ = await engine.tick(now: ClockReading(ms: now))
        #expect(await engine.rolloutView(id: id)?.staleAgents == ["b"])
        // Its goodbye (late, but it comes) ends the wait.
        _ = await Self.send(engine, Self.goodbye("b", epoch: 1, lastSequence: 0), at: now)
        #expect(await engine.rolloutView(id: id)?.staleAgents == [])
        #expect(await engine.agentStatuses().map(\.agentID) == ["a"])

        now += 100
        _ = await Self.send(engine, Self.goodbye("a", epoch: 1, lastSequence: 2), at: now)
        #expect(await engine.agentStatuses().isEmpty)
        let late = Self.rejects(await Self.send(engine, try Self.window("a", epoch: 1, sequence: 3, model: model, atMs: now), at: now))
        #expect(late.first?.1.reason == "agent_departed", "\(late)")
        // A resend of what it sent before its goodbye is still recognised.
        let resend = Self.acks(await Self.send(engine, try Self.window("a", epoch: 1, sequence: 2, model: model, atMs: now), at: now))
        #expect(resend.first?.duplicate == true)
        #expect(await engine.agentStatuses().isEmpty, "a resend must not bring the departed agent back")
        #expect(await engine.rolloutView(id: id)?.summaries["v2"]?.requests == 20)
        let counters = await engine.counters
        #expect(counters.forgottenAgents["goodbye"] == 2)

        // The goodbye is journaled with the marks: a restarted coordinator refuses the late window too.
        let restarted = try CoordinatorEngine(config: engine.config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now + 100))
        let afterRestart = Self.rejects(await Self.send(restarted, try Self.window("a", epoch: 1, sequence: 4, model: model, atMs: now + 100), at: now + 100))
        #expect(afterRestart.first?.1.reason == "agent_departed", "\(afterRestart)")
        let events = try await restarted.journal.readEvents(rolloutID: nil)
        // This case's two departures, after the two seed agents removed before it.
        #expect(events.filter { $0.kind == "agent" && $0.action == "forgotten" }.count == 2 + 2)
        // The same id under a new epoch is a new process: welcome.
        _ = await Self.send(restarted, Self.hello("a", epoch: 2, model: model), at: now + 200)
        #expect(Self.acks(await Self.send(restarted, Self.heartbeat("a", epoch: 2), at: now + 300)).count == 1)
        #expect(await restarted.agentStatuses().map(\.agentID) == ["a"])
    }

    @Test("an agent silent past forget_after leaves the fleet and the rollout's stale list; counted, journaled, and welcome back")
    func forgetSilent() async throws {
        let model = Unique.name("forget-")
        let (engine, id) = try await Self.engine(model: model, staleAfterMs: 1_000, forgetAfterMs: 3_000)
        var now = Self.start
        _ = await Self.send(engine, Self.hello("gone", epoch: 1, model: model), at: now)
        await Self.advance(engine, from: &now, by: 1_500)
        #expect(await engine.rolloutView(id: id)?.staleAgents == ["gone"])
        #expect(await engine.rolloutView(id: id)?.waitingFor.contains { $0.contains("stale agents: gone") } == true)
        await Self.advance(engine, from: &now, by: 1_000)
        #expect(await engine.agentStatuses().map(\.agentID) == ["gone"], "stale, not yet forgotten")
        await Self.advance(engine, from: &now, by: 1_000)
        #expect(await engine.agentStatuses().isEmpty)
        #expect(await engine.rolloutView(id: id)?.staleAgents == [])
        #expect(await engine.counters.forgottenAgents["silent"] == 1)
        let events = try await engine.journal.readEvents(rolloutID: nil)
        #expect(events.contains { $0.action == "forgotten" && $0.reason.contains("forget_after") })
        // It was only silent: when it speaks again it is simply known again.
        _ = await Self.send(engine, Self.heartbeat("gone", epoch: 1), at: now + 100)
        #expect(await engine.agentStatuses().map(\.agentID) == ["gone"])
    }

    @Test("two live processes under one id: the newer is refused with a Reject naming both, until the older falls silent")
    func duplicateIDs() async throws {
        let model = Unique.name("duplicate-")
        let (engine, _) = try await Self.engine(model: model, staleAfterMs: 1_000)
        let older: [UInt8] = [1], newer: [UInt8] = [2]
        var now = Self.start
        _ = await Self.send(engine, Self.hello("twin", epoch: 10, model: model, host: "host-a", ring: "/ring.a"), from: older, at: now)
        now += 500
        _ = await Self.send(engine, Self.heartbeat("twin", epoch: 10), from: older, at: now)
        now += 100
        // The second says hello: at this point it looks like a restart.
        #expect(Self.rejects(await Self.send(engine, Self.hello("twin", epoch: 20, model: model, host: "host-b", ring: "/ring.b"), from: newer, at: now)).isEmpty)
        // A heartbeat of the first still in flight is no proof of a second process.
        now += 100
        let inFlight = await Self.send(engine, Self.heartbeat("twin", epoch: 10), from: older, at: now)
        #expect(Self.rejects(inFlight).isEmpty && Self.acks(inFlight).count == 1)
        now += 300
        #expect(Self.rejects(await Self.send(engine, Self.heartbeat("twin", epoch: 20), from: newer, at: now)).isEmpty)
        // The first keeps speaking after the second's hello: two live processes.
        now += 900
        let found = await Self.send(engine, Self.heartbeat("twin", epoch: 10), from: older, at: now)
        #expect(Self.acks(found).count == 1, "the older keeps the id: its heartbeat is acked")
        let refusal = try #require(Self.rejects(found).first, "\(found)")
        #expect(refusal.to == newer && refusal.1.reason == "duplicate_agent_id" && refusal.1.agentEpoch == 20)
        for fragment in ["epoch 10 on host host-a, ring /ring.a", "epoch 20 on host host-b, ring /ring.b"] {
            #expect(refusal.1.message.contains(fragment), "\(refusal.1.message)")
        }
        now += 100
        #expect(Self.rejects(await Self.send(engine, Self.heartbeat("twin", epoch: 20), from: newer, at: now)).first?.1.reason == "duplicate_agent_id")
        let window = await Self.send(engine, try Self.window("twin", epoch: 20, sequence: 1, model: model, atMs: now), from: newer, at: now)
        #expect(Self.rejects(window).first?.1.reason == "duplicate_agent_id")
        #expect(Self.acks(await Self.send(engine, try Self.window("twin", epoch: 10, sequence: 1, model: model, atMs: now), from: older, at: now)).count == 1)
        let status = try #require(await engine.agentStatuses().first)
        #expect(status.agentEpoch == 10 && status.host == "host-a" && status.duplicate?.contains("epoch 20") == true, "\(status)")
        let counters = await engine.counters
        #expect(counters.duplicateAgentIDs == 1 && (counters.rejectedByReason["duplicate_agent_id"] ?? 0) >= 3)
        // The first stops (silent past stale_after): the second may have the id.
        for _ in 0..<4 {
            now += 400
            _ = await Self.send(engine, Self.heartbeat("twin", epoch: 20), from: newer, at: now)
        }
        let accepted = await Self.send(engine, Self.heartbeat("twin", epoch: 20), from: newer, at: now + 100)
        #expect(Self.rejects(accepted).isEmpty && Self.acks(accepted).count == 1, "\(accepted)")
        #expect(await engine.counters.duplicateAgentIDs == 1)
    }

    @Test("an agent evicted by a flood of ids while it was stale keeps its marks: its resend is a duplicate, not counted twice")
    func evictedKeepsMarks() async throws {
        let model = Unique.name("evicted-")
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        config.staleAfterMs = 1_000
        config.limits.maxAgents = 20
        let engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: Self.start))
        await sayHello(to: engine, model: model, agents: [("seed-v1", "v1"), ("seed-v2", "v2")], now: ClockReading(ms: Self.start))
        let (view, _) = try await engine.start(planSource: fastPlan(model: model, bake: "1h"), now: ClockReading(ms: Self.start))
        for seed in ["seed-v1", "seed-v2"] { _ = try await engine.removeAgent(seed, now: ClockReading(ms: Self.start)) }
        var now = Self.start
        _ = await Self.send(engine, Self.hello("real", epoch: 1, model: model), at: now)
        #expect(Self.acks(await Self.send(engine, try Self.window("real", epoch: 1, sequence: 1, model: model, atMs: now), at: now)).first?.duplicate == false)
        // Its messages are stuck behind a flood: stale, then evicted by it.
        await Self.advance(engine, from: &now, by: 1_400)
        for i in 0..<40 { _ = await Self.send(engine, Self.hello("flood-\(i)", epoch: 1, model: model), at: now) }
        #expect(!(await engine.agentStatuses().contains { $0.agentID == "real" }))
        let resend = Self.acks(await Self.send(engine, try Self.window("real", epoch: 1, sequence: 1, model: model, atMs: now), at: now))
        #expect(resend.first?.duplicate == true, "\(resend)")
        #expect(await engine.rolloutView(id: view.id)?.summaries["v2"]?.requests == 10)
    }

    @Test("a restart is not a duplicate: a new epoch takes the id over from a predecessor that falls silent")
    func restartIsNotADuplicate() async throws {
        let model = Unique.name("restart-id-")
        let (engine, _) = try await Self.engine(model: model, staleAfterMs: 1_000)
        var now = Self.start
        var replies: [(to: [UInt8], WireMessage)] = []
        replies += await Self.send(engine, Self.hello("r", epoch: 1, model: model), from: [1], at: now)
        for _ in 0..<3 {
            now += 500
            replies += await Self.send(engine, Self.heartbeat("r", epoch: 1), from: [1], at: now)
        }
        // Killed; its successor starts, resends the predecessor's spooled window, heartbeats.
        now += 50
        replies += await Self.send(engine, Self.hello("r", epoch: 2, model: model), from: [2], at: now)
        replies += await Self.send(engine, try Self.window("r", epoch: 1, sequence: 1, model: model, atMs: now), from: [2], at: now)
        for _ in 0..<6 {
            now += 500
            replies += await Self.send(engine, Self.heartbeat("r", epoch: 2), from: [2], at: now)
        }
        #expect(Self.rejects(replies).isEmpty, "\(Self.rejects(replies))")
        #expect(await engine.counters.duplicateAgentIDs == 0)
        #expect(await engine.agentStatuses().first?.agentEpoch == 2)
    }
}
