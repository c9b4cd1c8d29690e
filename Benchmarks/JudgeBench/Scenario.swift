import CanaryCore

/// What happened to one simulated rollout, in seconds since the canary
/// started receiving traffic (the regression's onset).
enum RunResult: Equatable {
    case rolledBack(Int)
    case promoted(Int)
    case undecided
}

/// One row's simulation: the same seeded traffic fed to our state machine
/// and to the Kayenta-style reference.
struct Scenario {
    var name: String
    var baseline = Behaviour()
    var canary: Behaviour
    var seeds: Int
    var durationS: Int
    /// nil: hold the canary at 10 % and only judge. Non-nil: run the plan.
    var plan: RolloutPlan

    func runOurs(seed: UInt64) -> RunResult {
        var traffic = Traffic(rng: Xoshiro(seed: seed), baseline: baseline, canary: canary)
        var machine = RolloutMachine(plan: plan)
        _ = machine.handle(.start(at: 0))
        for s in 1...durationS {
            let t = Int64(s) * 1000
            let (b, c, _, _) = traffic.second(endingAt: t, canaryPPM: machine.canaryWeightPPM)
            if b.requestCount > 0 { _ = machine.handle(.window(b, receivedAt: t)) }
            if c.requestCount > 0 { _ = machine.handle(.window(c, receivedAt: t)) }
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
    func runReference(seed: UInt64) -> RunResult {
        var traffic = Traffic(rng: Xoshiro(seed: seed), baseline: baseline, canary: canary, recordsWindows: false)
        var judge = MannWhitney.Judge()
        var step = 0
        var stepStart = 0
        var stepCanary: UInt64 = 0
        var stepBaseline: UInt64 = 0
        for s in 1...durationS {
            let weight = plan.stepsPPM[step]
            let (b, c, pb, pc) = traffic.second(endingAt: Int64(s) * 1000, canaryPPM: weight)
            if let pb { judge.baseline.append(pb) }
            if let pc { judge.canary.append(pc) }
            stepCanary += c.requestCount
            stepBaseline += b.requestCount
            guard s % 10 == 0 else { continue }
            if judge.fails() { return .rolledBack(s) }
            let baked = Int64(s - stepStart) * 1000 >= plan.bake.minDurationMs
                && stepCanary >= plan.bake.minSamplesPerArm
                && (weight == RolloutPlan.fullWeightPPM || stepBaseline >= plan.bake.minSamplesPerArm)
            if baked {
                if step + 1 == plan.stepsPPM.count { return .promoted(s) }
                step += 1
                stepStart = s
                stepCanary = 0
                stepBaseline = 0
            }
        }
        return .undecided
    }
}
