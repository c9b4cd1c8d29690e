import CanaryCore
import Foundation

/// How one version behaves: Bernoulli errors, lognormal latency, a 5-class
/// classifier with immediate labels.
struct Behaviour {
    var errorRate = 0.005
    var latencyMedianMs = 40.0
    var latencySigma = 0.35
    var accuracy = 0.90
}

/// Per-window headline values for the Kayenta-style reference, which works
/// on one point per metric per window.
struct WindowPoint {
    var errorRate: Double
    var p99Ms: Double
    var accuracy: Double
}

/// Generates one second of traffic at 1 000 requests/s split by the canary
/// weight, directly into windows (window granularity: the state machine sees
/// exactly what the coordinator would).
struct Traffic {
    var rng: Xoshiro
    var baseline: Behaviour
    var canary: Behaviour
    var rps = 1000
    /// The reference judge only needs the per-window points; skipping the
    /// histograms keeps its runs cheap (the random draws are the same).
    var recordsWindows = true

    mutating func second(endingAt t: Int64, canaryPPM: UInt32) -> (Window, Window, WindowPoint?, WindowPoint?) {
        var b = try! Window.empty(model: "fraud-detector", version: "v41", agentID: "sim-b", startMs: t - 1000, endMs: t)
        var c = try! Window.empty(model: "fraud-detector", version: "v42", agentID: "sim-c", startMs: t - 1000, endMs: t)
        var latB: [Double] = []
        var latC: [Double] = []
        latB.reserveCapacity(rps)
        latC.reserveCapacity(rps / 4)
        let share = Double(canaryPPM) / 1_000_000
        for _ in 0..<rps {
            let toCanary = rng.uniform() < share
            let behaviour = toCanary ? canary : baseline
            let failed = rng.uniform() < behaviour.errorRate
            let latency = behaviour.latencyMedianMs * exp(behaviour.latencySigma * rng.normal())
            let label = Int32(rng.next() % 5)
            let correct = rng.uniform() < behaviour.accuracy
            let predicted = correct ? label : Int32((UInt64(label) + 1 + rng.next() % 4) % 5)
            if toCanary {
                record(&c, failed: failed, latencyMs: latency, predicted: predicted, correct: correct)
                latC.append(latency)
            } else {
                record(&b, failed: failed, latencyMs: latency, predicted: predicted, correct: correct)
                latB.append(latency)
            }
        }
        return (b, c, point(b, latB), point(c, latC))
    }

    private func record(_ w: inout Window, failed: Bool, latencyMs: Double, predicted: Int32, correct: Bool) {
        w.requestCount += 1
        if failed { w.statuses.serverError += 1 } else { w.statuses.ok += 1 }
        w.labeledCount += 1
        if correct { w.correctCount += 1 }
        guard recordsWindows else { return }
        w.latency.record(micros: UInt64(latencyMs * 1000))
        w.predictionCounts[predicted, default: 0] += 1
    }

    private func point(_ w: Window, _ latencies: [Double]) -> WindowPoint? {
        guard w.requestCount > 0 else { return nil }
        let sorted = latencies.sorted()
        let p99 = sorted[min(sorted.count - 1, Int((0.99 * Double(sorted.count)).rounded(.up)) - 1)]
        return WindowPoint(
            errorRate: Double(w.modelErrors) / Double(w.requestCount), p99Ms: p99,
            accuracy: Double(w.correctCount) / Double(w.labeledCount))
    }
}
