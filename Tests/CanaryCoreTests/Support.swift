@testable import CanaryCore

/// A tiny deterministic PRNG for building test data (SplitMix64).
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return RouteHash.mix(state)
    }
}

enum Fixture {
    static let model = "m"

    /// A window with `requests` requests of which `errors` are server errors,
    /// every latency `latencyMs`, and `labeled`/`correct` outcome counts.
    static func window(
        _ version: String, requests: UInt64, errors: UInt64 = 0, latencyMs: Double = 20, slow: UInt64 = 0,
        slowMs: Double = 0, labeled: UInt64 = 0, correct: UInt64 = 0, classes: [Int32: UInt64] = [:],
        ringLost: UInt64 = 0, agent: String = "a1", sequence: UInt64 = 1, startMs: Int64 = 0
    ) -> Window {
        var w = try! Window.empty(model: model, version: version, agentID: agent, startMs: startMs, endMs: startMs + 1000)
        w.sequence = sequence
        w.requestCount = requests
        w.statuses = StatusCounts(ok: requests - errors, serverError: errors)
        w.latency.record(micros: UInt64(latencyMs * 1000), count: requests - slow)
        w.latency.record(micros: UInt64(slowMs * 1000), count: slow)
        w.labeledCount = labeled
        w.correctCount = correct
        w.predictionCounts = classes
        w.ringLost = ringLost
        return w
    }

    /// A random window (for the merge laws).
    /// Two significant digits keep the histogram (and debug-mode merges)
    /// small; the merge code path is the same as with the fleet default.
    static let smallHistogram = HistogramSettings(lowestMicros: 1, highestMicros: 60_000_000, significantDigits: 2)

    static func random(_ rng: inout TestRNG, version: String = "v1", edges: [Float] = [0.25, 0.5, 0.75]) -> Window {
        var w = try! Window.empty(model: model, version: version, agentID: "agent\(rng.next() % 3)", settings: smallHistogram, scoreEdges: edges)
        w.agentEpoch = rng.next() % 4
        w.sequence = rng.next() % 100
        w.startMs = Int64(rng.next() % 10_000)
        w.endMs = w.startMs + 1000
        for _ in 0..<Int(rng.next() % 40) {
            let status = StatusClass.allCases[Int(rng.next() % 4)]
            let predicted = Int32(rng.next() % 5)
            let label = rng.next() % 3 == 0 ? Int32(rng.next() % 5) : nil
            w.record(Sample(
                status: status, timestampNs: 0, latencyNs: Int64(rng.next() % 90_000_000_000), key: rng.next(),
                predictedClass: predicted, score: Float(rng.next() % 1000) / 1000, label: label))
        }
        // Outcomes: judged (a correct flag, or a label with its prediction)
        // or unmatched (a label alone, which no join supplied).
        for _ in 0..<Int(rng.next() % 6) {
            let judged = rng.next() % 2 == 0
            w.record(Sample(kind: .outcome, timestampNs: 0, key: rng.next(), predictedClass: judged ? Int32(rng.next() % 5) : nil,
                            label: Int32(rng.next() % 5)))
        }
        w.ringLost = rng.next() % 3
        w.ringOverrun = rng.next() % 2
        return w
    }

    static func plan(
        steps: [UInt32] = [100_000, 500_000, 1_000_000], minDurationMs: Int64 = 5_000, minSamples: UInt64 = 100,
        pauseBefore: [UInt32] = [], onBreach: BreachAction = .rollback, deadlineMs: Int64? = nil,
        guards: [Guard] = [Guard(metric: .errorRate, max: 0.2, tolerance: 0.2, margin: 0.001)],
        // The machine's other rules are tested under the rule before
        // positive evidence; EvidenceTests test the evidence.
        evidence: EvidencePolicy = .legacy
    ) -> RolloutPlan {
        RolloutPlan(
            model: model, baseline: "v1", canary: "v2", stepsPPM: steps,
            bake: Bake(minDurationMs: minDurationMs, minSamplesPerArm: minSamples), analysisWindowMs: 10_000,
            alpha: 0.01, pauseBeforePPM: pauseBefore, onBreach: onBreach, progressDeadlineMs: deadlineMs,
            staleAfterMs: 3_000, guards: guards, evidence: evidence)
    }
}
