import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Logging

/// Fills a journal with finished rollouts, each fed a baseline and a canary
/// window (so its stored state carries histograms, as real ones do), then
/// aborted. They end two days ago: older than the hour `/metrics` keeps
/// finished rollouts' series for, as history is.
enum Seeder {
    static func plan(model: String) -> String {
        """
        model: \(model)
        baseline: v1
        canary: v2
        steps: [5%, 20%, 60%, 100%]
        bake: {min_duration: 1h, min_samples_per_arm: 200}
        analysis_window: 30s
        on_breach: pause
        guards:
          - {metric: latency_p99, max: 500ms, tolerance: 25%}
          - {metric: error_rate, max: 5%, tolerance: 30%}
        """
    }

    static func seed(journalPath: String, finished: Int, logger: Logger) async throws {
        var config = CoordinatorConfig()
        config.journalPath = journalPath
        var now = Int64(Date().timeIntervalSince1970 * 1000) - 2 * 86_400_000 - Int64(finished) * 10
        let engine = try CoordinatorEngine(config: config, journal: try Journal(path: journalPath), logger: logger, now: ClockReading(ms: now))
        var sequence: UInt64 = 0
        for _ in 0..<finished {
            await hello(engine, model: "history", now: ClockReading(ms: now))
            let (view, _) = try await engine.start(planSource: plan(model: "history"), now: ClockReading(ms: now))
            for (agent, version) in [("seed-a", "v1"), ("seed-b", "v2")] {
                sequence += 1
                let window = try window(agent: agent, model: "history", version: version, sequence: sequence, endMs: now + 1)
                _ = await engine.receive(routingID: [1], frames: WireMessage.window(Canary_V1_Window(window)).encode(), now: ClockReading(ms: now + 1))
            }
            _ = await engine.flush(now: ClockReading(ms: now + 2))
            _ = try await engine.command(.abort, rolloutID: view.id, now: ClockReading(ms: now + 3))
            now += 10
        }
    }

    /// The baseline and canary agents say hello: a rollout starts only
    /// when both versions have live agents.
    static func hello(_ engine: CoordinatorEngine, model: String, now: ClockReading) async {
        for (agent, version) in [("seed-a", "v1"), ("seed-b", "v2")] {
            var hello = Canary_V1_Hello()
            hello.agentID = agent
            hello.agentEpoch = 1
            hello.model = model
            hello.version = version
            _ = await engine.receive(routingID: [1], frames: WireMessage.hello(hello).encode(), now: now)
        }
    }

    /// A 1 s window of 1 000 requests over ~100 latency buckets.
    static func window(agent: String, model: String, version: String, sequence: UInt64, endMs: Int64) throws -> Window {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        var micros = 2_000.0
        for _ in 0..<100 {
            latency.record(micros: UInt64(micros), count: 10)
            micros *= 1.05
        }
        return Window(agentID: agent, agentEpoch: 1, sequence: sequence, model: model, version: version,
                      startMs: endMs - 1_000, endMs: endMs, requestCount: 1_000,
                      statuses: StatusCounts(ok: 998, serverError: 2), latency: latency)
    }
}
