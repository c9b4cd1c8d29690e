import CanaryCore
import CanarySimulator
import Foundation
import Testing

/// Issue 14: an A/A canary (the baseline's own model) on one small replica
/// against a big production pool, with replica latency that depends on
/// load (the simulator's `cold_slowdown`). Without a control the p99 guard
/// rolls the A/A canary back; with a control arm of the canary's size it
/// does not. The two demo scenarios' plans, fleets and profiles, run at the
/// rollout machine for a bounded number of seeds in simulated time (a
/// process run per seed would take minutes); `canary demo --scenario
/// aa-small-canary` / `aa-with-control` run the same with real processes.
@Suite("Control arm: A/A rollouts with load-dependent latency")
struct ControlArmAATests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("agent-config/scenarios")
    static let seeds: [UInt64] = Array(1...10)

    /// Every simulated second each arm's share of the scenario's traffic is
    /// spread over its replicas, and each request's latency is drawn by the
    /// simulator's profile at that replica's load; one window per arm, then
    /// a tick. Ends at a terminal phase or after 10 simulated minutes.
    static func run(_ name: String, seed: UInt64) throws -> (phase: RolloutPhase, last: Decision?) {
        let (scenario, _, plan) = try Scenario.load(path: scenarios.appendingPathComponent("\(name).yaml").path)
        var arms: [(version: String, label: String, replicas: Int, profile: ReplicaProfile, control: Bool)] = [
            (plan.baseline, plan.baseline, scenario.replicas.baseline, scenario.baseline, false),
            (plan.canary, plan.canary, scenario.replicas.canary, scenario.canary, false),
        ]
        if let control = plan.control { arms.append((plan.baseline, control, scenario.replicas.control, scenario.baseline, true)) }
        var machine = RolloutMachine(plan: plan)
        var random = SimulationRandom(seed: seed)
        var last = machine.handle(.start(at: 0)).last
        var t: Int64 = 0
        while !machine.phase.isTerminal, t < 600_000 {
            t += 1_000
            let weights = machine.weightsPPM
            for arm in arms {
                let requests = UInt64((scenario.traffic.rps * Double(weights[arm.label] ?? 0) / 1e6).rounded())
                guard requests > 0 else { continue }
                let perReplica = Double(requests) / Double(arm.replicas)
                var window = try Window.empty(model: plan.model, version: arm.version, agentID: arm.label, startMs: t - 1_000, endMs: t)
                window.sequence = UInt64(t / 1_000)
                window.control = arm.control
                for _ in 0..<requests {
                    let ms = arm.profile.drawLatencyMs(requestsPerSecond: perReplica, random: &random)
                    window.latency.record(micros: UInt64(max(1, ms * 1_000)))
                }
                window.requestCount = requests
                window.statuses = StatusCounts(ok: requests)
                _ = machine.handle(.window(window, receivedAt: t))
            }
            last = machine.handle(.tick(t)).last ?? last
        }
        return (machine.phase, last)
    }

    @Test("without a control the A/A canary is falsely rolled back on latency_p99; with one it is promoted")
    func falseRollbacksVanishWithControl() throws {
        var without: [RolloutPhase] = []
        for seed in Self.seeds {
            let (phase, last) = try Self.run("aa-small-canary", seed: seed)
            without.append(phase)
            if phase == .rolledBack {
                let evidence = last?.evidence.first { $0.guardName == "latency_p99" }
                #expect(evidence?.comparedWith == "baseline", "seed \(seed): \(last?.reason ?? "")")
            }
        }
        var with: [RolloutPhase] = []
        for seed in Self.seeds {
            let (phase, last) = try Self.run("aa-with-control", seed: seed)
            with.append(phase)
            #expect(phase == .promoted, "seed \(seed): \(phase.rawValue) — \(last?.reason ?? "")")
            #expect(last?.evidence.allSatisfy { $0.comparedWith == "control" } == true, "seed \(seed)")
        }
        let falseRollbacks = without.filter { $0 == .rolledBack }.count
        #expect(falseRollbacks >= 8, "without a control only \(falseRollbacks) of \(Self.seeds.count) A/A rollouts were rolled back: \(without)")
        #expect(with.filter { $0 == .rolledBack }.isEmpty, "\(with)")
    }
}
