import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// A restarted agent resends the windows its predecessor spooled under the
/// predecessor's epoch, after saying hello with its own: the coordinator
/// counts each once, acks it under that epoch, and keeps recognising it —
/// even when the agent has restarted more often than the epochs whose
/// marks it keeps, and across a coordinator restart.
@Suite("Earlier-epoch windows")
struct EarlierEpochTests {
    static let model = "earlier-epoch"

    static func window(epoch: UInt64, sequence: UInt64, requests: UInt64, atMs: Int64) throws -> [[UInt8]] {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: 10_000, count: requests)
        let window = Window(agentID: "a", agentEpoch: epoch, sequence: sequence, model: model, version: "v1",
                            startMs: atMs - 200, endMs: atMs, requestCount: requests,
                            statuses: StatusCounts(ok: requests), latency: latency)
        return WireMessage.window(Canary_V1_Window(window)).encode()
    }

    static func hello(epoch: UInt64) -> [[UInt8]] {
        var hello = Canary_V1_Hello()
        hello.agentID = "a"
        hello.agentEpoch = epoch
        hello.model = model
        hello.version = "v1"
        return WireMessage.hello(hello).encode()
    }

    /// Sends one window and flushes; the ack that came back (at once for a
    /// duplicate, after the commit otherwise).
    static func deliver(_ engine: CoordinatorEngine, epoch: UInt64, sequence: UInt64, requests: UInt64, nowMs: Int64,
                        key: String? = nil) async throws -> Canary_V1_Ack? {
        let frames = try window(epoch: epoch, sequence: sequence, requests: requests, atMs: nowMs)
        let replies = await engine.receive(routingID: [7], frames: frames, now: ClockReading(ms: nowMs), peerKey: key) + (await engine.flush(now: ClockReading(ms: nowMs)))
        return replies.compactMap { reply -> Canary_V1_Ack? in
            guard case .reply(_, .ack(let ack)) = reply, ack.sequence == sequence else { return nil }
            return ack
        }.first
    }

    @Test("a predecessor's window resent after the new epoch's hello is counted once and acked under its own epoch")
    func countedOnce() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        var now: Int64 = 1_800_000_000_000
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
        await sayHello(to: first, model: Self.model, now: ClockReading(ms: now))
        let (view, _) = try await first.start(planSource: fastPlan(model: Self.model, bake: "1h"), now: ClockReading(ms: now))
        // Epoch 1 built window #1, then stopped before its ack; epochs 2…5
        // each ran for a while — more epochs than the fleet keeps marks of.
        for epoch: UInt64 in 2...5 {
            now += 100
            _ = await first.receive(routingID: [7], frames: Self.hello(epoch: epoch), now: ClockReading(ms: now))
            _ = try await Self.deliver(first, epoch: epoch, sequence: 1, requests: 10, nowMs: now)
        }
        // Epoch 5 resends what epoch 1 spooled.
        now += 100
        let ack = try #require(try await Self.deliver(first, epoch: 1, sequence: 1, requests: 3, nowMs: now))
        #expect(ack.agentEpoch == 1 && !ack.duplicate)
        #expect(await first.rolloutView(id: view.id)?.summaries["v1"]?.requests == 43)
        // Its ack was lost: the resend is a duplicate, acked under epoch 1 again.
        now += 100
        let again = try #require(try await Self.deliver(first, epoch: 1, sequence: 1, requests: 3, nowMs: now))
        #expect(again.agentEpoch == 1 && again.duplicate, "\(again)")
        #expect(await first.rolloutView(id: view.id)?.summaries["v1"]?.requests == 43)
        #expect(await first.agentStatuses().first { $0.agentID == "a" }?.agentEpoch == 5, "an old epoch's window does not become the agent's identity")

        // And after a coordinator restart (marks come back from the journal).
        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now + 1_000))
        now += 1_100
        let replayed = try #require(try await Self.deliver(second, epoch: 1, sequence: 1, requests: 3, nowMs: now))
        #expect(replayed.duplicate)
        #expect(await second.rolloutView(id: view.id)?.summaries["v1"]?.requests == 43)
        // The newest epoch's marks are kept too.
        #expect(try await Self.deliver(second, epoch: 5, sequence: 1, requests: 10, nowMs: now)?.duplicate == true)
    }

    @Test("with CURVE, the agent's key may resend its earlier epoch's windows after a new hello, before and after a coordinator restart; another key may not")
    func keyBound() async throws {
        let keys = try TestKeys()
        defer { keys.remove() }
        let agent = try keys.pair("agent-a"), other = try keys.pair("wide")
        try keys.allow([
            TestKeys.Binding(name: "a", key: agent.publicKey, agent: "a", model: Self.model, versions: ["v1"]),
            TestKeys.Binding(name: "wide", key: other.publicKey, agent: "*", model: Self.model, versions: ["*"]),
        ])
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        config.curve = keys.coordinatorConfig()
        var now: Int64 = 1_800_000_000_000
        func engine() throws -> CoordinatorEngine {
            try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now),
                                  allowList: try AllowListStore(path: keys.allowListPath, logger: testLogger))
        }
        let first = try engine()
        await sayHello(to: first, model: Self.model, agents: [("a", "v1")], now: ClockReading(ms: now), peerKey: agent.publicKey)
        await sayHello(to: first, model: Self.model, agents: [("b", "v2")], now: ClockReading(ms: now), peerKey: other.publicKey)
        let (view, _) = try await first.start(planSource: fastPlan(model: Self.model, bake: "1h"), now: ClockReading(ms: now))
        _ = await first.receive(routingID: [7], frames: Self.hello(epoch: 1), now: ClockReading(ms: now), peerKey: agent.publicKey)
        _ = try await Self.deliver(first, epoch: 1, sequence: 1, requests: 10, nowMs: now, key: agent.publicKey)
        // Restarted: epoch 2 says hello, then resends epoch 1's spooled #2.
        now += 100
        _ = await first.receive(routingID: [7], frames: Self.hello(epoch: 2), now: ClockReading(ms: now), peerKey: agent.publicKey)
        let resent = try await Self.deliver(first, epoch: 1, sequence: 2, requests: 4, nowMs: now, key: agent.publicKey)
        #expect(resent?.agentEpoch == 1 && resent?.duplicate == false, "\(String(describing: resent))")
        // Another key whose pattern covers the id cannot write into that epoch.
        let forged = await first.receive(routingID: [8], frames: try Self.window(epoch: 1, sequence: 3, requests: 500, atMs: now),
                                         now: ClockReading(ms: now), peerKey: other.publicKey)
        guard case .reply(_, .reject(let reject))? = forged.first else {
            Issue.record("the other key's window was not refused: \(forged)")
            return
        }
        #expect(reject.reason == "agent_epoch_claimed_by_another_key" || reject.reason == "agent_claimed_by_another_key", "\(reject)")

        // The coordinator restarts (its key ledger is new): epoch 3 resends epoch 1's #2 again (the ack was lost).
        now += 1_000
        let second = try engine()
        _ = await second.receive(routingID: [7], frames: Self.hello(epoch: 3), now: ClockReading(ms: now), peerKey: agent.publicKey)
        let again = try await Self.deliver(second, epoch: 1, sequence: 2, requests: 4, nowMs: now, key: agent.publicKey)
        #expect(again?.agentEpoch == 1 && again?.duplicate == true, "\(String(describing: again))")
        #expect(await second.rolloutView(id: view.id)?.summaries["v1"]?.requests == 14, "the agent's windows once each, nothing of the other key")
    }
}
