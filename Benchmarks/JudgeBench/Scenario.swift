import CanaryCore

/// What happened to one simulated rollout, in seconds since the canary
/// started receiving traffic (the regression's onset).
enum RunResult: Equatable {
    case rolledBack(Int)
    case promoted(Int)
    case undecided
}

/// What a row measures.
enum Expectation {
    /// Rollbacks of a canary as good as the baseline (A/A, shared shifts).
    case noRollback
    case rollback
    case promotion
    /// Promotions of a canary worse than its tolerance.
    case noPromotion
}

/// One row's simulation: the same seeded traffic fed to our state machine
/// (under its plan, and under the old rule of advancing once baked) and to
/// the Kayenta- and Flagger-style references.
struct Scenario {
    var name: String
    var baseline = Behaviour()
    var canary: Behaviour
    var seeds: Int
    var durationS: Int
    var plan: RolloutPlan
    var expect: Expectation
    /// Hits both arms from the middle of step `atStep` on.
    var shift: SharedShift?
    var atStep = 0
    var labelDelayS = 0
    var unlabeledShare = 0.0

    func traffic(_ seed: UInt64, windows: Bool = true) -> Traffic {
        Traffic(rng: Xoshiro(seed: seed), baseline: baseline, canary: canary, labelDelayS: labelDelayS,
                unlabeledShare: unlabeledShare, recordsWindows: windows)
    }

    /// Tracks when the shift begins: the middle of step `atStep`'s bake.
    struct Onset {
        var atS: Int?
        mutating func update(step: Int, second: Int, scenario: Scenario) {
            if atS == nil, step == scenario.atStep { atS = second + Int(scenario.plan.bake.minDurationMs / 2000) }
        }
        func shift(_ scenario: Scenario, at second: Int) -> SharedShift? {
            guard let atS, second >= atS else { return nil }
            return scenario.shift
        }
    }

    func runOurs(seed: UInt64, plan: RolloutPlan? = nil) -> RunResult {
        var traffic = traffic(seed)
        var machine = RolloutMachine(plan: plan ?? self.plan)
        var onset = Onset()
        _ = machine.handle(.start(at: 0))
        for s in 1...durationS {
            let t = Int64(s) * 1000
            onset.update(step: machine.stepIndex, second: s - 1, scenario: self)
            let (b, c, _, _) = traffic.second(endingAt: t, canaryPPM: machine.canaryWeightPPM, shift: onset.shift(self, at: s))
            if b.requestCount > 0 || b.labeledCount > 0 { _ = machine.handle(.window(b, receivedAt: t)) }
            if c.requestCount > 0 || c.labeledCount > 0 { _ = machine.handle(.window(c, receivedAt: t)) }
            for decision in machine.handle(.tick(t)) {
                switch decision.action {
                case .rollback: return .rolledBack(s)
                case .promote: return .promoted(s)
                case .pause where machine.pauseReason?.contains("manual gate") == true:
                    // The benchmark's operator approves manual gates at once.
                    _ = machine.handle(.command(.resume, at: t))
                case .pause: return .undecided
                default: break
                }
            }
        }
        return .undecided
    }

    /// Kayenta-style: Mann–Whitney on per-window points of every window so
    /// far, re-run every 10 s; steps advance on the plan's bake conditions.
    func runKayenta(seed: UInt64) -> RunResult {
        var traffic = traffic(seed, windows: false)
        var judge = MannWhitney.Judge()
        var step = 0, stepStart = 0
        var stepCanary: UInt64 = 0, stepBaseline: UInt64 = 0
        var onset = Onset()
        for s in 1...durationS {
            onset.update(step: step, second: s - 1, scenario: self)
            let weight = plan.stepsPPM[step]
            let (b, c, pb, pc) = traffic.second(endingAt: Int64(s) * 1000, canaryPPM: weight, shift: onset.shift(self, at: s))
            if let pb { judge.baseline.append(pb) }
            if let pc { judge.canary.append(pc) }
            stepCanary += c.requestCount
            stepBaseline += b.requestCount
            guard s % 10 == 0 else { continue }
            if judge.fails() { return .rolledBack(s) }
            if baked(s - stepStart, stepCanary, stepBaseline, weight) {
                if step + 1 == plan.stepsPPM.count { return .promoted(s) }
                step += 1
                stepStart = s
                stepCanary = 0
                stepBaseline = 0
            }
        }
        return .undecided
    }

    /// Flagger-style: every 1 min interval (Flagger's default), each guard's
    /// metric over that interval is checked against the baseline's over the
    /// same interval with the plan's tolerance (canary ≤ baseline × (1 +
    /// tolerance) + margin; accuracy ≥ baseline − tolerance); 5 failed checks
    /// roll back (Flagger's `threshold`), and a passing check after the bake
    /// advances one step (Flagger's `stepWeight` per interval).
    func runFlagger(seed: UInt64) -> RunResult {
        var traffic = traffic(seed, windows: false)
        var step = 0, stepStart = 0, failures = 0, passes = 0
        var stepCanary: UInt64 = 0, stepBaseline: UInt64 = 0
        var intervalB: [WindowPoint] = [], intervalC: [WindowPoint] = []
        var onset = Onset()
        for s in 1...durationS {
            onset.update(step: step, second: s - 1, scenario: self)
            let weight = plan.stepsPPM[step]
            let (b, c, pb, pc) = traffic.second(endingAt: Int64(s) * 1000, canaryPPM: weight, shift: onset.shift(self, at: s))
            if let pb { intervalB.append(pb) }
            if let pc { intervalC.append(pc) }
            stepCanary += c.requestCount
            stepBaseline += b.requestCount
            guard s % 60 == 0 else { continue }
            if Flagger.passes(plan: plan, canary: intervalC, baseline: intervalB) { passes += 1 } else { failures += 1; passes = 0 }
            intervalB = []
            intervalC = []
            if failures >= 5 { return .rolledBack(s) }
            if passes >= 1, baked(s - stepStart, stepCanary, stepBaseline, weight) {
                if step + 1 == plan.stepsPPM.count { return .promoted(s) }
                step += 1
                stepStart = s
                stepCanary = 0
                stepBaseline = 0
                passes = 0
            }
        }
        return .undecided
    }

    func baked(_ seconds: Int, _ canary: UInt64, _ baseline: UInt64, _ weight: UInt32) -> Bool {
        Int64(seconds) * 1000 >= plan.bake.minDurationMs && canary >= plan.bake.minSamplesPerArm
            && (weight == RolloutPlan.fullWeightPPM || baseline >= plan.bake.minSamplesPerArm)
    }
}

/// The checks of a Flagger-style analysis interval.
enum Flagger {
    static func passes(plan: RolloutPlan, canary: [WindowPoint], baseline: [WindowPoint]) -> Bool {
        func sum(_ points: [WindowPoint], _ f: (WindowPoint) -> Int) -> Double { Double(points.reduce(0) { $0 + f($1) }) }
        func p99(_ points: [WindowPoint]) -> Double? {
            let all = points.flatMap(\.latencies).sorted()
            return all.isEmpty ? nil : all[min(all.count - 1, Int((0.99 * Double(all.count)).rounded(.up)) - 1)]
        }
        for g in plan.guards where g.isRelative {
            let tolerance = g.tolerance ?? 0
            switch g.metric {
            case .errorRate:
                let nC = sum(canary, \.requests), nB = sum(baseline, \.requests)
                guard nC > 0, nB > 0 else { continue }
                if sum(canary, \.errors) / nC > sum(baseline, \.errors) / nB * (1 + tolerance) + g.margin { return false }
            case .latencyP99:
                guard let c = p99(canary), let b = p99(baseline) else { continue }
                if c > b * (1 + tolerance) + g.margin { return false }
            case .accuracy:
                let nC = sum(canary, \.labeled), nB = sum(baseline, \.labeled)
                guard nC > 0, nB > 0 else { continue }
                if sum(canary, \.correct) / nC < sum(baseline, \.correct) / nB - tolerance { return false }
            default: continue
            }
        }
        return true
    }
}
