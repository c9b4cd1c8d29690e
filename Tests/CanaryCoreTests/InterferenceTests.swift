import Foundation
import Testing
@testable import CanaryCore

/// `baseline_interference`: the baseline since the start against its own
/// reference period before it (Judge+Interference.swift).
@Suite("Baseline interference")
struct InterferenceTests {
    static func interference(_ of: GuardMetric, tolerance: Double = 0.2, margin: Double = 0) -> Guard {
        var g = Guard(name: "baseline_interference_\(of.rawValue)", metric: .baselineInterference, tolerance: tolerance, margin: margin)
        g.interferenceOf = of
        g.referenceMs = 300_000
        return g
    }

    static let plan = RolloutPlan(
        model: Fixture.model, baseline: "v1", canary: "v2", stepsPPM: [50_000, 1_000_000],
        bake: Bake(minDurationMs: 3_600_000, minSamplesPerArm: 100), analysisWindowMs: 10_000,
        guards: [interference(.latencyP99), interference(.errorRate, margin: 0.001)])

    static let reference = BaselineReference(
        window: Fixture.window("v1", requests: 10_000, errors: 50, latencyMs: 20), askedMs: 300_000, coveredMs: 300_000)

    func verdicts(since: Window, canary: Window = Fixture.window("v2", requests: 500, latencyMs: 20),
                  reference: BaselineReference? = reference) -> [String: Verdict] {
        let input = JudgeInput(baseline: since, canary: canary, recentBaseline: since, recentCanary: canary, reference: reference)
        let verdicts = Judge(plan: Self.plan).evaluate(input)
        return Dictionary(uniqueKeysWithValues: verdicts.map { ($0.evidence.guardName, $0) })
    }

    @Test("the baseline 1.5× slower since the start fails, 1.1× passes (tolerance 20 %), and the evidence names the baseline")
    func latencyBoundary() throws {
        let slow = verdicts(since: Fixture.window("v1", requests: 5_000, errors: 25, latencyMs: 30))
        let fail = try #require(slow["baseline_interference_latency_p99"])
        #expect(fail.isFail, "\(fail)")
        #expect(fail.evidence.sentence.hasPrefix("baseline v1 p99 30.") && fail.evidence.sentence.contains("since the rollout began vs 20."))
        #expect(fail.evidence.sentence.contains("in the 5 m before it"), "\(fail.evidence.sentence)")
        #expect(fail.evidence.reference.map { abs($0 - 20) < 0.5 } == true)
        #expect(fail.evidence.referenceSamples == 10_000 && fail.evidence.baselineSamples == 5_000)
        #expect(slow["baseline_interference_error_rate"]?.isPass == true)

        let mild = verdicts(since: Fixture.window("v1", requests: 5_000, errors: 25, latencyMs: 22))
        #expect(mild["baseline_interference_latency_p99"]?.isPass == true, "\(String(describing: mild["baseline_interference_latency_p99"]))")
    }

    @Test("errors ×10 on the baseline fail, ×1.1 pass; the alpha split counts the guard")
    func errorBoundary() throws {
        let bad = try #require(verdicts(since: Fixture.window("v1", requests: 5_000, errors: 250))["baseline_interference_error_rate"])
        #expect(bad.isFail)
        #expect(bad.evidence.sentence.hasPrefix("baseline v1 error rate 5"), "\(bad.evidence.sentence)")
        #expect(verdicts(since: Fixture.window("v1", requests: 5_000, errors: 27))["baseline_interference_error_rate"]?.isPass == true)
        #expect(Self.plan.rejectionThreshold == 2 / Self.plan.alpha)
    }

    @Test("no reference, or too small a one, passes and says so; a short one says how long it is of what was asked")
    func missingAndShortReference() throws {
        let since = Fixture.window("v1", requests: 5_000, latencyMs: 30)
        for reference in [nil, BaselineReference(window: nil, askedMs: 300_000, coveredMs: 0)] {
            let v = try #require(verdicts(since: since, reference: reference)["baseline_interference_latency_p99"])
            #expect(v.isPass)
            #expect(v.evidence.sentence.contains("no reference, no baseline requests in the 5 m before the rollout began"), "\(v.evidence.sentence)")
        }
        let tiny = BaselineReference(window: Fixture.window("v1", requests: 50), askedMs: 300_000, coveredMs: 2_000)
        let small = try #require(verdicts(since: since, reference: tiny)["baseline_interference_latency_p99"])
        #expect(small.isPass && small.evidence.sentence.contains("only 50 baseline requests (100 needed)"), "\(small.evidence.sentence)")

        let short = BaselineReference(window: Self.reference.window, askedMs: 300_000, coveredMs: 130_000)
        let v = try #require(verdicts(since: since, reference: short)["baseline_interference_latency_p99"])
        #expect(v.isFail)
        #expect(v.evidence.sentence.contains("in the 2 m 10 s before it (of the 5 m asked)"), "\(v.evidence.sentence)")
        #expect(v.evidence.referenceMs == 130_000)
    }

    @Test("a shared cause is made visible: the canary as far above the reference is said")
    func sharedCause() throws {
        let outage = verdicts(since: Fixture.window("v1", requests: 5_000, errors: 500),
                              canary: Fixture.window("v2", requests: 500, errors: 50))
        let v = try #require(outage["baseline_interference_error_rate"])
        #expect(v.isFail)
        #expect(v.evidence.sentence.contains("canary v2 10") && v.evidence.sentence.contains("shared cause"), "\(v.evidence.sentence)")
        let own = try #require(verdicts(since: Fixture.window("v1", requests: 5_000, errors: 500))["baseline_interference_error_rate"])
        #expect(!own.evidence.sentence.contains("shared cause"))
    }

    @Test("the machine keeps the reference given before the start, through a JSON round trip, and rolls back on it")
    func machineKeepsReference() throws {
        var machine = RolloutMachine(plan: Self.plan)
        _ = machine.handle(.reference(Self.reference, at: 0))
        _ = machine.handle(.start(at: 0))
        // Only the first, and only while pending.
        _ = machine.handle(.reference(BaselineReference(window: nil, askedMs: 1, coveredMs: 0), at: 1))
        #expect(machine.baselineReference == Self.reference)

        let data = try JSONEncoder().encode(machine)
        var restored = try JSONDecoder().decode(RolloutMachine.self, from: data)
        #expect(restored.baselineReference == Self.reference)
        #expect(restored.integrityProblem() == nil)
        _ = restored.handle(.window(Fixture.window("v1", requests: 5_000, latencyMs: 30, startMs: 1_000), receivedAt: 2_000))
        _ = restored.handle(.window(Fixture.window("v2", requests: 300, latencyMs: 20, startMs: 1_000), receivedAt: 2_000))
        let decisions = restored.handle(.tick(2_100))
        let rollback = try #require(decisions.first)
        #expect(rollback.action == .rollback)
        #expect(rollback.evidence.contains { $0.guardName == "baseline_interference_latency_p99" && $0.sentence.hasPrefix("baseline v1 p99") })
    }
}
