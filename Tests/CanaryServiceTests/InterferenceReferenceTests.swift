import CanaryConfig
@testable import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// The coordinator keeps the baseline's windows from before a rollout and
/// hands them to it as its reference; the reference lives in the
/// rollout's journaled state, so a restart does not lose it.
@Suite("Baseline interference reference")
struct InterferenceReferenceTests {
    static func frames(agent: String, version: String, sequence: UInt64, latencyMs: Double, atMs: Int64) throws -> [[UInt8]] {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: UInt64(latencyMs * 1000), count: 100)
        let window = Window(agentID: agent, agentEpoch: 1, sequence: sequence, model: "interfere", version: version,
                            startMs: atMs - 200, endMs: atMs, requestCount: 100, statuses: StatusCounts(ok: 100), latency: latency)
        return WireMessage.window(Canary_V1_Window(window)).encode()
    }

    static let plan = fastPlan(model: "interfere", bake: "1h") + """

          - metric: baseline_interference
            of: latency_p99
            tolerance: 20%
            reference: 5m
        """

    @Test("the baseline's windows before the start are its reference, kept across a restart; a starved baseline rolls back naming it")
    func referenceSurvivesRestart() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        var now: Int64 = 1_800_000_000_000
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
        await sayHello(to: first, model: "interfere", now: ClockReading(ms: now))
        // 2 s of the baseline alone at 20 ms, before any rollout.
        var sequence: UInt64 = 0
        for _ in 0..<10 {
            now += 200
            sequence += 1
            _ = await first.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: sequence, latencyMs: 20, atMs: now), now: ClockReading(ms: now))
            _ = await first.flush(now: ClockReading(ms: now))
        }
        let (view, _) = try await first.start(planSource: Self.plan, now: ClockReading(ms: now))

        // A crash right after the start; the new engine knows no window from before it.
        now += 1_000
        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
        await sayHello(to: second, model: "interfere", now: ClockReading(ms: now))
        for _ in 0..<10 {
            now += 200
            sequence += 1
            _ = await second.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: sequence, latencyMs: 30, atMs: now), now: ClockReading(ms: now))
            _ = await second.receive(routingID: [2], frames: try Self.frames(agent: "b", version: "v2", sequence: sequence, latencyMs: 20, atMs: now), now: ClockReading(ms: now))
            _ = await second.flush(now: ClockReading(ms: now))
            _ = await second.tick(now: ClockReading(ms: now))
        }
        let after = try #require(await second.rolloutView(id: view.id))
        #expect(after.phase == .rolledBack, "\(after.phase): \(after.lastDecision?.reason ?? "")")
        let evidence = try #require(after.lastDecision?.evidence.first { $0.guardName == "baseline_interference_latency_p99" })
        #expect(evidence.referenceSamples == 1_000)
        #expect(evidence.sentence.hasPrefix("baseline v1 p99 30."), "\(evidence.sentence)")
        // 2 s of windows is what the coordinator had of the 5 m asked.
        #expect(evidence.sentence.contains("in the 2 s before it (of the 5 m asked)"), "\(evidence.sentence)")
        #expect(evidence.referenceMs == 2_000)
    }

    @Test("a rollout started with no window of its baseline before it is not held: the guard passes saying there is no reference")
    func noReference() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        var now: Int64 = 1_800_000_000_000
        let engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
        await sayHello(to: engine, model: "interfere", now: ClockReading(ms: now))
        let (view, _) = try await engine.start(planSource: Self.plan, now: ClockReading(ms: now))
        for sequence in 1...5 as ClosedRange<UInt64> {
            now += 200
            _ = await engine.receive(routingID: [1], frames: try Self.frames(agent: "a", version: "v1", sequence: sequence, latencyMs: 30, atMs: now), now: ClockReading(ms: now))
            _ = await engine.receive(routingID: [2], frames: try Self.frames(agent: "b", version: "v2", sequence: sequence, latencyMs: 20, atMs: now), now: ClockReading(ms: now))
            _ = await engine.flush(now: ClockReading(ms: now))
            _ = await engine.tick(now: ClockReading(ms: now))
        }
        let current = try #require(await engine.rolloutView(id: view.id))
        #expect(current.phase == .progressing)
        let verdict = try #require(current.verdicts.first { $0.evidence.guardName == "baseline_interference_latency_p99" })
        #expect(verdict.isPass)
        #expect(verdict.evidence.sentence.contains("no reference, no baseline requests in the 5 m before the rollout began"), "\(verdict.evidence.sentence)")
    }

    @Test("the kept past places a period's edge to a fifth of its age, for 3 s as for 5 m, and forgets what is older than 10 m")
    func periods() throws {
        var references = BaselineReferences()
        var now: Int64 = 0
        // 15 min of one 250 ms window every 250 ms.
        while now < 900_000 {
            now += 250
            var latency = try LatencyHistogram(settings: .fleetDefault)
            latency.record(micros: 20_000, count: 10)
            references.add(Window(agentID: "a", model: "m", version: "v1", startMs: now - 250, endMs: now, requestCount: 10, latency: latency), atMs: now)
        }
        for asked in [3_000, 300_000, 600_000] as [Int64] {
            let reference = references.reference(model: "m", version: "v1", askedMs: asked, nowMs: now)
            #expect(reference.coveredMs <= asked && reference.coveredMs >= asked * 3 / 4, "asked \(asked): covered \(reference.coveredMs)")
            // Whole windows counted within the period: one may have begun just before it.
            let requests = reference.window?.requestCount ?? 0
            #expect(requests >= UInt64(reference.coveredMs / 250) * 10 && requests <= UInt64(asked / 250 + 1) * 10, "asked \(asked): \(requests)")
        }
        #expect(references.reference(model: "m", version: "v2", askedMs: 3_000, nowMs: now).window == nil)
    }
}
