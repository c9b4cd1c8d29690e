import CanaryConfig
import CanaryCore
import Testing

/// The plan syntax of `baseline_interference` guards and its refusals.
@Suite("Baseline interference plans")
struct InterferencePlanTests {
    static func plan(_ guards: String) -> String {
        """
        model: m
        baseline: v1
        canary: v2
        steps: [1%, 100%]
        guards:
        \(guards)
        """
    }

    func issues(_ guards: String) -> [PlanIssue] {
        do {
            _ = try RolloutPlan.parse(yaml: Self.plan(guards), file: "p.yaml")
            return []
        } catch {
            return error.issues
        }
    }

    @Test("of, tolerance, margin in the watched metric's unit, reference; named after what it watches")
    func parses() throws {
        let plan = try RolloutPlan.parse(yaml: Self.plan("""
          - metric: baseline_interference
            of: latency_p99
            tolerance: 20%
            margin: 2ms
            reference: 5m
          - metric: baseline_interference
            of: error_rate
            tolerance: 20%
            margin: 0.5%
        """))
        let p99 = plan.guards[0], errors = plan.guards[1]
        #expect(p99.name == "baseline_interference_latency_p99" && p99.interferenceOf == .latencyP99)
        #expect(p99.margin == 2 && p99.referenceMs == 300_000 && p99.tolerance == 0.2)
        #expect(errors.name == "baseline_interference_error_rate" && errors.margin == 0.005 && errors.referenceMs == nil)
        #expect(plan.interferenceReferenceMs == 300_000)
        #expect(plan.rejectionThreshold == 2 / plan.alpha)
    }

    @Test("bad values are refused on their line, naming the cause")
    func refusals() {
        let cases: [(String, Int, String)] = [
            ("  - metric: baseline_interference\n    of: accuracy\n    tolerance: 20%", 7, "must be one of error_rate, latency_p50"),
            ("  - metric: baseline_interference\n    tolerance: 20%", 6, "needs of"),
            ("  - metric: baseline_interference\n    of: latency_p99", 6, "needs a tolerance"),
            ("  - metric: baseline_interference\n    of: latency_p99\n    tolerance: 20%\n    max: 1s", 9, "max does not apply"),
            ("  - metric: baseline_interference\n    of: latency_p99\n    tolerance: 20%\n    reference: 20m", 9, "longer than 10 m"),
            ("  - metric: baseline_interference\n    of: latency_p99\n    tolerance: 20%\n    reference: 5", 9, "has no unit"),
            ("  - metric: error_rate\n    tolerance: 20%\n    reference: 5m", 8, "reference does not apply"),
            ("  - metric: baseline_interference\n    of: latency_over\n    tolerance: 20%", 6, "needs a threshold"),
            ("  - metric: baseline_interference\n    of: latency_p99\n    tolerance: 20%\n    reference: 5m\n  - metric: baseline_interference\n    of: error_rate\n    tolerance: 20%\n    reference: 2m", 10, "shares one reference period"),
        ]
        for (guards, line, text) in cases {
            let found = issues(guards)
            #expect(found.contains { $0.line == line && $0.message.contains(text) }, "\(guards): expected line \(line) '\(text)', got \(found)")
        }
    }

    @Test("a fast-forwarded plan shrinks the reference with its other durations")
    func speed() throws {
        let scaled = try PlanSpeed.scaled(Self.plan("  - metric: baseline_interference\n    of: latency_p99\n    tolerance: 20%\n    reference: 12s"), speed: 4)
        #expect(try RolloutPlan.parse(yaml: scaled).interferenceReferenceMs == 3_000)
    }
}
