import CanaryCore
import Foundation

/// How one version behaves: Bernoulli errors, lognormal latency, a 5-class
/// classifier whose labels arrive `labelDelayS` after the request (a share
/// `unlabeledShare` never).
struct Behaviour {
    var errorRate = 0.005
    var latencyMedianMs = 40.0
    var latencySigma = 0.35
    var accuracy = 0.90
}

/// A change over time that hits both versions alike (an upstream outage).
struct SharedShift {
    var errorFactor = 1.0
    var latencyFactor = 1.0
}

/// Per-window headline values for the reference judges, which work on one
/// point per metric per window (Kayenta) or on interval aggregates
/// (Flagger, from the same counts).
struct WindowPoint {
    var errorRate: Double
    var p99Ms: Double
    var accuracy: Double
    var requests: Int
    var errors: Int
    var labeled: Int
    var correct: Int
    var latencies: [Double]
}

/// Generates one second of traffic at 1 000 requests/s split by the canary
/// weight, directly into windows (window granularity: the state machine sees
/// exactly what the coordinator would). Labels are held back and delivered
/// in the window of the second they arrive, against the version that served
/// the request, as the agents deliver them.
struct Traffic {
    var rng: Xoshiro
    var baseline: Behaviour
    var canary: Behaviour
    var rps = 1000
    var labelDelayS = 0
    var unlabeledShare = 0.0
    /// The reference judges only need the per-window points; skipping the
    /// histograms keeps their runs cheap (the random draws are the same).
    var recordsWindows = true
    /// Labels waiting to arrive: second → (baseline labeled, correct, canary labeled, correct).
    private var pendingLabels: [Int64: (UInt64, UInt64, UInt64, UInt64)] = [:]

    init(rng: Xoshiro, baseline: Behaviour, canary: Behaviour, labelDelayS: Int = 0, unlabeledShare: Double = 0,
         recordsWindows: Bool = true) {
        self.rng = rng
        self.baseline = baseline
        self.canary = canary
        self.labelDelayS = labelDelayS
        self.unlabeledShare = unlabeledShare
        self.recordsWindows = recordsWindows
    }

    mutating func second(endingAt t: Int64, canaryPPM: UInt32, shift: SharedShift? = nil) -> (Window, Window, WindowPoint?, WindowPoint?) {
        var b = try! Window.empty(model: "fraud-detector", version: "v41", agentID: "sim-b", startMs: t - 1000, endMs: t)
        var c = try! Window.empty(model: "fraud-detector", version: "v42", agentID: "sim-c", startMs: t - 1000, endMs: t)
        var latB: [Double] = []
        var latC: [Double] = []
        latB.reserveCapacity(rps)
        latC.reserveCapacity(rps / 4)
        let share = Double(canaryPPM) / 1_000_000
        let arrival = t + Int64(labelDelayS) * 1000
        var labels = pendingLabels[arrival] ?? (0, 0, 0, 0)
        for _ in 0..<rps {
            let toCanary = rng.uniform() < share
            let behaviour = toCanary ? canary : baseline
            let failed = rng.uniform() < min(1, behaviour.errorRate * (shift?.errorFactor ?? 1))
            let latency = behaviour.latencyMedianMs * (shift?.latencyFactor ?? 1) * exp(behaviour.latencySigma * rng.normal())
            let label = Int32(rng.next() % 5)
            let correct = rng.uniform() < behaviour.accuracy
            let predicted = correct ? label : Int32((UInt64(label) + 1 + rng.next() % 4) % 5)
            let labeled = rng.uniform() >= unlabeledShare
            if toCanary {
                record(&c, failed: failed, latencyMs: latency, predicted: predicted)
                latC.append(latency)
                if labeled { labels.2 += 1; if correct { labels.3 += 1 } }
            } else {
                record(&b, failed: failed, latencyMs: latency, predicted: predicted)
                latB.append(latency)
                if labeled { labels.0 += 1; if correct { labels.1 += 1 } }
            }
        }
        pendingLabels[arrival] = labels
        if let due = pendingLabels.removeValue(forKey: t) {
            b.labeledCount += due.0
            b.correctCount += due.1
            c.labeledCount += due.2
            c.correctCount += due.3
        }
        return (b, c, point(b, latB), point(c, latC))
    }

    private func record(_ w: inout Window, failed: Bool, latencyMs: Double, predicted: Int32) {
        w.requestCount += 1
        if failed { w.statuses.serverError += 1 } else { w.statuses.ok += 1 }
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
            accuracy: w.labeledCount == 0 ? .nan : Double(w.correctCount) / Double(w.labeledCount),
            requests: Int(w.requestCount), errors: Int(w.modelErrors), labeled: Int(w.labeledCount),
            correct: Int(w.correctCount), latencies: latencies)
    }
}
