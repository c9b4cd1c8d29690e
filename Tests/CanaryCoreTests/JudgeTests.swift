import Testing

@testable import CanaryCore

@Suite("Judge: every guard at its boundary")
struct JudgeTests {
    func input(baseline: Window, canary: Window) -> JudgeInput {
        JudgeInput(baseline: baseline, canary: canary, recentBaseline: baseline, recentCanary: canary)
    }

    func verdict(_ g: Guard, baseline: Window, canary: Window, relativeGuards: Int = 1) -> Verdict {
        var guards = [g]
        // Padding guards only change the Bonferroni threshold.
        for i in 1..<max(1, relativeGuards) { guards.append(Guard(name: "pad\(i)", metric: .errorRate, tolerance: 1)) }
        let plan = Fixture.plan(guards: guards)
        return Judge(plan: plan).evaluate(g, input(baseline: baseline, canary: canary))
    }

    @Test func errorRateHardLimit() {
        let g = Guard(metric: .errorRate, max: 0.2, minSamples: 100)
        let base = Fixture.window("v1", requests: 1000)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, errors: 20)).isPass)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, errors: 21)).isFail)
        // Below min_samples the limit cannot trip: not enough data instead.
        let few = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 99, errors: 99))
        guard case .needMoreData = few else { Issue.record("expected needMoreData, got \(few)"); return }
    }

    @Test func errorRateSequentialBoundaryIsTheThreshold() {
        let g = Guard(metric: .errorRate, tolerance: 0.2, minSamples: 100)
        let base = Fixture.window("v1", requests: 9000, errors: 45)
        let plan = Fixture.plan(guards: [g])
        // Smallest canary error count whose e-value reaches 1/alpha.
        var k: UInt64 = 0
        while k < 1000 {
            let e = Judge(plan: plan).evaluate(g, input(baseline: base, canary: Fixture.window("v2", requests: 1000, errors: k))).evidence.eValue!
            if e >= plan.rejectionThreshold { break }
            k += 1
        }
        #expect(k > 6 && k < 40)
        let below = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 1000, errors: k - 1))
        let at = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 1000, errors: k))
        #expect(below.isPass)
        #expect(at.isFail)
        #expect(at.evidence.eValue! >= 100)
        #expect(at.evidence.threshold == 100)
        #expect(at.evidence.sentence.contains("e-value"))
        // Equal rates give no evidence at all.
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 1000, errors: 5)).evidence.eValue! < 1)
    }

    @Test func bonferroniRaisesTheThreshold() {
        let g = Guard(metric: .errorRate, tolerance: 0.2)
        let v = verdict(g, baseline: Fixture.window("v1", requests: 1000), canary: Fixture.window("v2", requests: 100), relativeGuards: 4)
        #expect(v.evidence.threshold == 400)
    }

    @Test func latencyQuantileHardLimit() {
        let g = Guard(metric: .latencyP99, max: 100, minSamples: 100)
        let base = Fixture.window("v1", requests: 1000, latencyMs: 20)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, latencyMs: 99)).isPass)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, latencyMs: 101)).isFail)
        // p99 of 100 samples with 1 slow one is still fast; 2 slow ones make p99 slow.
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, latencyMs: 20, slow: 1, slowMs: 500)).isPass)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, latencyMs: 20, slow: 2, slowMs: 500)).isFail)
    }

    @Test func latencyQuantileRelative() {
        let g = Guard(metric: .latencyP99, tolerance: 0.2, minSamples: 100)
        // Baseline p99 is 40 ms (1.5 % of requests take 40 ms).
        let base = Fixture.window("v1", requests: 20_000, latencyMs: 20, slow: 300, slowMs: 40)
        let same = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 2000, latencyMs: 20, slow: 30, slowMs: 40))
        #expect(same.isPass)
        // 5 % of canary requests at 61 ms: its p99 is far beyond 40 ms × 1.2.
        let slow = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 2000, latencyMs: 20, slow: 100, slowMs: 61))
        #expect(slow.isFail)
        #expect(slow.evidence.canary! > 60 && slow.evidence.baseline! < 41)
        // Just within tolerance (47 ms < 48 ms) never trips, however many samples.
        let within = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 200_000, latencyMs: 20, slow: 10_000, slowMs: 47))
        #expect(within.isPass)
        // Too few baseline samples to place p99: not enough data.
        let few = verdict(g, baseline: Fixture.window("v1", requests: 50), canary: Fixture.window("v2", requests: 50))
        guard case .needMoreData = few else { Issue.record("expected needMoreData, got \(few)"); return }
    }

    @Test("a quantile margin is an absolute latency slack: p99 may be up to baseline × (1 + tolerance) + margin")
    func latencyQuantileMargin() {
        // A sub-millisecond model: baseline p99 300 µs; 5 % of canary requests
        // at 400 µs put its p99 100 µs (33 %) above, beyond 20 % alone.
        let base = Fixture.window("v1", requests: 20_000, latencyMs: 0.3)
        let jitter = Fixture.window("v2", requests: 4_000, latencyMs: 0.3, slow: 200, slowMs: 0.4)
        let strict = Guard(metric: .latencyP99, tolerance: 0.2, minSamples: 100)
        #expect(verdict(strict, baseline: base, canary: jitter).isFail)
        // 200 µs of slack: the limit is 300 µs × 1.2 + 200 µs = 560 µs.
        let slack = Guard(metric: .latencyP99, tolerance: 0.2, margin: 0.2, minSamples: 100)
        let passed = verdict(slack, baseline: base, canary: jitter)
        #expect(passed.isPass, "\(passed)")
        #expect(passed.evidence.margin == 0.2)
        #expect(passed.evidence.sentence.contains("tolerance 20 % + 200 µs"), "\(passed.evidence.sentence)")
        #expect(passed.evidence.sentence.contains("above 0.6 ms"), "\(passed.evidence.sentence)")
        // The slack is not a blind spot: 5 % at 800 µs is still a regression.
        let slow = verdict(slack, baseline: base, canary: Fixture.window("v2", requests: 4_000, latencyMs: 0.3, slow: 200, slowMs: 0.8))
        #expect(slow.isFail)
        // Without a margin the sentence says nothing of one.
        #expect(verdict(strict, baseline: base, canary: jitter).evidence.margin == nil)
    }

    @Test func latencyOverThreshold() {
        let g = Guard(metric: .latencyOver, max: 0.05, tolerance: 0.5, thresholdMs: 250, minSamples: 100)
        let base = Fixture.window("v1", requests: 10_000, latencyMs: 20, slow: 100, slowMs: 300)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, latencyMs: 20, slow: 5, slowMs: 300)).isPass)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 100, latencyMs: 20, slow: 6, slowMs: 300)).isFail)
    }

    @Test func accuracyHardFloorAndRelativeDrop() {
        let floor = Guard(metric: .accuracy, min: 0.8, minSamples: 100)
        let base = Fixture.window("v1", requests: 1000, labeled: 1000, correct: 900)
        #expect(verdict(floor, baseline: base, canary: Fixture.window("v2", requests: 100, labeled: 100, correct: 80)).isPass)
        #expect(verdict(floor, baseline: base, canary: Fixture.window("v2", requests: 100, labeled: 100, correct: 79)).isFail)

        let drop = Guard(metric: .accuracy, tolerance: 0.01, minSamples: 100)
        let big = Fixture.window("v1", requests: 50_000, labeled: 50_000, correct: 45_000)
        #expect(verdict(drop, baseline: big, canary: Fixture.window("v2", requests: 5000, labeled: 5000, correct: 4480)).isPass)
        #expect(verdict(drop, baseline: big, canary: Fixture.window("v2", requests: 5000, labeled: 5000, correct: 4200)).isFail)
        let unlabeled = verdict(drop, baseline: big, canary: Fixture.window("v2", requests: 5000))
        guard case .needMoreData(let what, _) = unlabeled else { Issue.record("expected needMoreData"); return }
        #expect(what.contains("labeled"))
    }

    @Test func predictionDriftThresholds() {
        let base = Fixture.window("v1", requests: 1000, classes: [0: 500, 1: 500])
        let shifted = Fixture.window("v2", requests: 1000, classes: [0: 700, 1: 300])
        let psi = Drift.psi(canary: [700, 300], baseline: [500, 500])
        #expect(psi > 0.16 && psi < 0.17)
        let js = Drift.jensenShannon(canary: [700, 300], baseline: [500, 500])
        #expect(Drift.jensenShannon(canary: [5, 5], baseline: [5, 5]) == 0)
        #expect(verdict(Guard(metric: .predictionDrift, minSamples: 100, psiMax: psi + 0.001), baseline: base, canary: shifted).isPass)
        #expect(verdict(Guard(metric: .predictionDrift, minSamples: 100, psiMax: psi - 0.001), baseline: base, canary: shifted).isFail)
        #expect(verdict(Guard(metric: .predictionDrift, minSamples: 100, jsMax: js + 0.001), baseline: base, canary: shifted).isPass)
        #expect(verdict(Guard(metric: .predictionDrift, minSamples: 100, jsMax: js - 0.001), baseline: base, canary: shifted).isFail)
        // Unseen classes stay finite thanks to smoothing.
        #expect(Drift.psi(canary: [10, 0], baseline: [0, 10]).isFinite)
    }

    @Test func ringLossLimit() {
        let g = Guard(metric: .ringLoss, max: 0.01, minSamples: 10)
        let base = Fixture.window("v1", requests: 1000)
        #expect(verdict(g, baseline: base, canary: Fixture.window("v2", requests: 99, ringLost: 1)).isPass)
        let lossy = verdict(g, baseline: base, canary: Fixture.window("v2", requests: 98, ringLost: 2))
        #expect(lossy.isFail)
        #expect(lossy.evidence.kind == .dataQuality)
    }

    @Test func mixtureSPRTIsOneSidedAndMonotone() {
        let better = MixtureSPRT.test(canaryEvents: 0, canaryTotal: 1000, baselineEvents: 100, baselineTotal: 9000, scale: 1.2, offset: 0, tau: 0.03)
        #expect(better.eValue < 1)
        var last = 0.0
        for errors: UInt64 in stride(from: 10, through: 100, by: 10) {
            let e = MixtureSPRT.test(canaryEvents: errors, canaryTotal: 1000, baselineEvents: 45, baselineTotal: 9000, scale: 1.2, offset: 0, tau: 0.03).eValue
            #expect(e >= last)
            last = e
        }
        #expect(last == MixtureSPRT.maxEValue || last > 1e6)
    }
}
