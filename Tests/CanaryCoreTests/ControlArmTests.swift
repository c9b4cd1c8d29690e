import Foundation
import Testing

@testable import CanaryCore

/// A plan with a control arm (issue 14): three weights, windows of control
/// agents in their own arm, the canary compared with it, and evidence that
/// says so.
@Suite("Control arm")
struct ControlArmTests {
    static func plan(control: String? = "control", steps: [UInt32] = [100_000, 500_000, 1_000_000], minSamples: UInt64 = 100) -> RolloutPlan {
        var plan = Fixture.plan(steps: steps, minSamples: minSamples,
                                guards: [Guard(metric: .latencyP99, tolerance: 0.2, minSamples: 50)])
        plan.control = control
        return plan
    }

    static func window(_ version: String, requests: UInt64, latencyMs: Double, control: Bool = false, agent: String, at t: Int64) -> Window {
        var w = Fixture.window(version, requests: requests, latencyMs: latencyMs, agent: agent, sequence: UInt64(t / 1000), startMs: t - 1000)
        w.control = control
        return w
    }

    /// One second: primary at 20 ms, the control at `controlMs`, the canary at `canaryMs`.
    @discardableResult
    static func second(_ m: inout RolloutMachine, at t: Int64, primary: UInt64 = 800, control: UInt64 = 100, canary: UInt64 = 100,
                       controlMs: Double = 30, canaryMs: Double = 30) -> [Decision] {
        var out: [Decision] = []
        if primary > 0 { out += m.handle(.window(window("v1", requests: primary, latencyMs: 20, agent: "p", at: t), receivedAt: t)) }
        if control > 0 {
            out += m.handle(.window(window("v1", requests: control, latencyMs: controlMs, control: true, agent: "c", at: t), receivedAt: t))
        }
        if canary > 0 { out += m.handle(.window(window("v2", requests: canary, latencyMs: canaryMs, agent: "k", at: t), receivedAt: t)) }
        out += m.handle(.tick(t))
        return out
    }

    @Test("the split has three entries: control = min(w, 1 − w), the primary the rest")
    func weights() {
        let plan = Self.plan(control: "v1-control")
        #expect(plan.weightsPPM(canary: 50_000) == ["v2": 50_000, "v1-control": 50_000, "v1": 900_000])
        #expect(plan.weightsPPM(canary: 500_000) == ["v2": 500_000, "v1-control": 500_000, "v1": 0])
        #expect(plan.weightsPPM(canary: 750_000) == ["v2": 750_000, "v1-control": 250_000, "v1": 0])
        #expect(plan.weightsPPM(canary: 1_000_000) == ["v2": 1_000_000, "v1-control": 0, "v1": 0])
        #expect(Self.plan(control: nil).weightsPPM(canary: 50_000) == ["v2": 50_000, "v1": 950_000])
        var m = RolloutMachine(plan: plan)
        let start = m.handle(.start(at: 0))
        #expect(start.first?.weightsPPM == ["v2": 100_000, "v1-control": 100_000, "v1": 800_000])
    }

    @Test("relative guards compare the canary with the control, and the evidence says so")
    func comparesWithControl() throws {
        // Primary 20 ms, control and canary both 30 ms (small and cold alike):
        // against the primary the canary is 50 % slower; against its control, not at all.
        var m = RolloutMachine(plan: Self.plan())
        _ = m.handle(.start(at: 0))
        var decisions: [Decision] = []
        for t in stride(from: Int64(1000), through: 6_000, by: 1000) { decisions += Self.second(&m, at: t) }
        #expect(m.phase == .progressing && m.canaryWeightPPM == 500_000, "\(decisions.map(\.reason))")
        let advance = try #require(decisions.last)
        let evidence = try #require(advance.evidence.first)
        #expect(evidence.comparedWith == "control")
        #expect(evidence.sentence.contains("vs control 30"), "\(evidence.sentence)")
        #expect(evidence.baselineSamples == 500, "the control's 5 × 100 requests, not the primary's")
        #expect(advance.reason.contains("500 canary, 500 control and 4000 baseline requests"), "\(advance.reason)")

        var without = RolloutMachine(plan: Self.plan(control: nil))
        _ = without.handle(.start(at: 0))
        var rolledBack: [Decision] = []
        for t in stride(from: Int64(1000), through: 6_000, by: 1000) { rolledBack += Self.second(&without, at: t, control: 0) }
        #expect(without.phase == .rolledBack, "the same canary against the primary alone: \(rolledBack.map(\.reason))")
        #expect(rolledBack.last?.evidence.first?.comparedWith == "baseline")
        #expect(rolledBack.last?.reason.contains("vs baseline") == true)
    }

    @Test("a slower canary is still caught by its control")
    func regressionAgainstControl() {
        var m = RolloutMachine(plan: Self.plan())
        _ = m.handle(.start(at: 0))
        var decisions: [Decision] = []
        for t in stride(from: Int64(1000), through: 6_000, by: 1000) { decisions += Self.second(&m, at: t, controlMs: 20, canaryMs: 40) }
        #expect(m.phase == .rolledBack, "\(decisions.map(\.reason))")
        #expect(decisions.last?.reason.contains("vs control") == true)
    }

    @Test("the control needs its min samples and fresh windows before a step advances")
    func bakeCoversControl() {
        var m = RolloutMachine(plan: Self.plan())
        _ = m.handle(.start(at: 0))
        for t in stride(from: Int64(1000), through: 6_000, by: 1000) { Self.second(&m, at: t, control: 0) }
        #expect(m.canaryWeightPPM == 100_000, "no control data: the step must not advance")
        #expect(m.waitingFor.contains("control has 0 of 100 requests this step"), "\(m.waitingFor)")
        #expect(m.waitingFor.contains("no window from control yet"), "\(m.waitingFor)")
        // The control reports (too little), then falls silent for longer than stale_after (3 s).
        Self.second(&m, at: 7_000, control: 50)
        for t in stride(from: Int64(8_000), through: 12_000, by: 1000) { Self.second(&m, at: t, control: 0) }
        #expect(m.canaryWeightPPM == 100_000)
        #expect(m.waitingFor.contains { $0.hasPrefix("no window from control for") }, "\(m.waitingFor)")
    }

    @Test("a control window of the canary version is refused with the cause; without a control, control windows are baseline")
    func misplacedControlWindows() {
        var m = RolloutMachine(plan: Self.plan())
        _ = m.handle(.start(at: 0))
        _ = m.handle(.window(Self.window("v2", requests: 10, latencyMs: 20, control: true, agent: "bad", at: 1000), receivedAt: 1000))
        #expect(m.refusedWindows == 1)
        #expect(m.lastRefusal?.contains("control agent but reports the canary version v2") == true, "\(m.lastRefusal ?? "")")

        var plain = RolloutMachine(plan: Self.plan(control: nil))
        _ = plain.handle(.start(at: 0))
        _ = plain.handle(.window(Self.window("v1", requests: 10, latencyMs: 20, control: true, agent: "c", at: 1000), receivedAt: 1000))
        #expect(plain.summaries["v1"]?.requests == 10)
        #expect(plain.refusedWindows == 0)
    }

    @Test("plans, windows and machines journaled before controls existed decode without one")
    func backwardCompatible() throws {
        let old = RolloutMachine(plan: Self.plan(control: nil))
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(old)) as! [String: Any]
        var plan = json["plan"] as! [String: Any]
        #expect(plan["control"] == nil)
        plan.removeValue(forKey: "control")
        json["plan"] = plan
        json.removeValue(forKey: "controlData")
        let decoded = try JSONDecoder().decode(RolloutMachine.self, from: JSONSerialization.data(withJSONObject: json))
        #expect(decoded.plan.control == nil && decoded == old)

        var window = try JSONSerialization.jsonObject(with: JSONEncoder().encode(Fixture.window("v1", requests: 3))) as! [String: Any]
        window.removeValue(forKey: "control")
        let w = try JSONDecoder().decode(Window.self, from: JSONSerialization.data(withJSONObject: window))
        #expect(!w.control && w.requestCount == 3)

        let withControl = RolloutMachine(plan: Self.plan())
        let roundTrip = try JSONDecoder().decode(RolloutMachine.self, from: JSONEncoder().encode(withControl))
        #expect(roundTrip.plan.control == "control" && roundTrip == withControl)
    }

    @Test("a control label must be its own: not a version, at most 56 bytes")
    func validation() {
        for (label, cause) in [("v1", "distinct from the baseline"), ("v2", "distinct from the baseline"), ("", "must be named"),
                               (String(repeating: "c", count: 57), "longer than the 56 bytes")] {
            #expect(throws: PlanError.self, "\(label)") { try Self.plan(control: label).validate() }
            do {
                try Self.plan(control: label).validate()
            } catch {
                #expect(error.issues.contains { $0.message.contains(cause) }, "\(label): \(error.issues)")
            }
        }
    }

    @Test("merging a control window with another is not a control window")
    func mergeKeepsMark() throws {
        var a = Fixture.window("v1", requests: 1)
        a.control = true
        var b = a
        b.agentID = "a2"
        #expect(try a.merged(with: b).control)
        b.control = false
        #expect(try !a.merged(with: b).control)
    }
}
