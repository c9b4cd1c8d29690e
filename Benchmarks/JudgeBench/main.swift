import CanaryConfig
import CanaryCore
import Foundation
import Synchronization

// judge-bench: our anytime-valid judge vs a Kayenta-style Mann–Whitney judge
// on seeded synthetic traffic (1 000 req/s). Run from the package root:
//     swift run -c release judge-bench [--quick]
// Prints a markdown table. Every number is reproducible from its seed.

let quick = CommandLine.arguments.contains("--quick")
let started = Date()

func loadExamplePlan() -> RolloutPlan {
    let path = "agent-config/rollout.example.yaml"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
        fatalError("judge-bench: run it from the package root (cannot read \(path))")
    }
    do {
        return try RolloutPlan.parse(yaml: text, file: path)
    } catch {
        fatalError("judge-bench: \(error)")
    }
}

let example = loadExamplePlan()
/// The example plan's guards and alpha, holding the canary at 10 %.
var holdAt10 = example
holdAt10.stepsPPM = [100_000, 1_000_000]
holdAt10.bake.minDurationMs = 365 * 86_400_000
holdAt10.pauseBeforePPM = []
holdAt10.progressDeadlineMs = nil

/// The same at 1 %: ~10 canary requests/s, where normal approximations are
/// weakest.
var holdAt1 = holdAt10
holdAt1.stepsPPM = [10_000, 1_000_000]
var rareErrors = Behaviour()
rareErrors.errorRate = 0.001

/// The issue's rollout: 10 % → 50 % → 100 %, 15 s bakes, no gate.
var fast = example
fast.stepsPPM = [100_000, 500_000, 1_000_000]
fast.bake.minDurationMs = 15_000
fast.pauseBeforePPM = []
fast.progressDeadlineMs = nil
fast.evidence?.confirmFromPPM = 0
/// The same plan under the rule before positive evidence: advance once baked.
func oldRule(_ plan: RolloutPlan) -> RolloutPlan {
    var p = plan
    p.evidence = .legacy
    return p
}

let seeds = quick ? 40 : 200
let healthySeeds = quick ? 5 : 20
var regressedLatency = Behaviour()
regressedLatency.latencyMedianMs *= 1.5  // lognormal: every quantile, p99 included, +50 %
var regressedErrors = Behaviour()
regressedErrors.errorRate = 0.05
var regressedAccuracy = Behaviour()
regressedAccuracy.accuracy = 0.87
var doubledErrors = Behaviour()
doubledErrors.errorRate = 0.01
var slowerBy30 = Behaviour()
slowerBy30.latencyMedianMs *= 1.3

let stepNames = ["10 %", "50 %", "100 %"]
var scenarios: [(Scenario, String)] = [
    (Scenario(name: "A/A: false rollback within 5 min at 10 %", canary: Behaviour(), seeds: seeds, durationS: 300, plan: holdAt10, expect: .noRollback), "≤ 1 %"),
    (Scenario(name: "A/A at 1 % canary, 0.1 % errors: false rollback within 5 min", baseline: rareErrors, canary: rareErrors, seeds: seeds, durationS: 300, plan: holdAt1, expect: .noRollback), "≤ 1 %"),
    (Scenario(name: "Error rate 0.5 % → 5 %: time to rollback", canary: regressedErrors, seeds: seeds, durationS: 300, plan: holdAt10, expect: .rollback), "≤ 5 s"),
    (Scenario(name: "Latency p99 +50 % (lognormal): time to rollback", canary: regressedLatency, seeds: seeds, durationS: 300, plan: holdAt10, expect: .rollback), "≤ 30 s"),
    (Scenario(name: "Accuracy −3 points (immediate labels): time to rollback", canary: regressedAccuracy, seeds: seeds, durationS: 300, plan: holdAt10, expect: .rollback), "—"),
    (Scenario(name: "Healthy canary: time to promote (example plan, gate approved at once)", canary: Behaviour(), seeds: healthySeeds, durationS: 3600, plan: example, expect: .promotion), "≤ 1.5 × old rule"),
    (Scenario(name: "Healthy canary: time to promote (10/50/100 %, 15 s bakes)", canary: Behaviour(), seeds: healthySeeds, durationS: 1800, plan: fast, expect: .promotion), "≤ 1.5 × old rule"),
]
for (i, step) in stepNames.enumerated() {
    scenarios.append((Scenario(name: "Shared errors ×10 (both arms) from mid step \(step): false rollback", canary: Behaviour(), seeds: seeds, durationS: 900, plan: fast, expect: .noRollback, shift: SharedShift(errorFactor: 10), atStep: i), "0 %"))
}
for (i, step) in stepNames.enumerated() {
    scenarios.append((Scenario(name: "Shared latency ×1.5 (both arms) from mid step \(step): false rollback", canary: Behaviour(), seeds: seeds, durationS: 900, plan: fast, expect: .noRollback, shift: SharedShift(latencyFactor: 1.5), atStep: i), "0 %"))
}
scenarios += [
    (Scenario(name: "Bad canary, accuracy −3 points: promoted (10/50/100 %)", canary: regressedAccuracy, seeds: seeds, durationS: 1200, plan: fast, expect: .noPromotion), "≤ 1 %"),
    (Scenario(name: "Bad canary, error rate × 2: promoted", canary: doubledErrors, seeds: seeds, durationS: 1200, plan: fast, expect: .noPromotion), "≤ 1 %"),
    (Scenario(name: "Bad canary, p99 +30 %: promoted", canary: slowerBy30, seeds: seeds, durationS: 1200, plan: fast, expect: .noPromotion), "≤ 1 %"),
]
for (delay, unlabeled, text) in [(0, 0.0, "0 s"), (30, 0.2, "30 s, 20 % never labeled"), (300, 0.2, "5 min, 20 % never labeled")] {
    scenarios.append((Scenario(name: "Accuracy −3 points, labels after \(text): time to rollback at 10 %", canary: regressedAccuracy, seeds: seeds, durationS: 900, plan: holdAt10, expect: .rollback, labelDelayS: delay, unlabeledShare: unlabeled), "—"))
    scenarios.append((Scenario(name: "Accuracy −3 points, labels after \(text): promoted (10/50/100 %)", canary: regressedAccuracy, seeds: seeds, durationS: 1500, plan: fast, expect: .noPromotion, labelDelayS: delay, unlabeledShare: unlabeled), "≤ 1 %"))
}
scenarios.append((Scenario(name: "A/A, labels after 5 min, 20 % never labeled: false rollback at 10 % in 15 min", canary: Behaviour(), seeds: seeds, durationS: 900, plan: holdAt10, expect: .noRollback, labelDelayS: 300, unlabeledShare: 0.2), "≤ 1 %"))

if let only = CommandLine.arguments.firstIndex(of: "--only").map({ CommandLine.arguments[$0 + 1] }) {
    scenarios = scenarios.filter { $0.0.name.localizedCaseInsensitiveContains(only) }
}

func summarise(_ results: [RunResult], _ expect: Expectation) -> String {
    func count(_ what: (RunResult) -> Bool) -> String {
        let n = results.filter(what).count
        return String(format: "%.1f %% (%d/%d)", 100 * Double(n) / Double(results.count), n, results.count)
    }
    switch expect {
    case .noRollback: return count { if case .rolledBack = $0 { true } else { false } }
    case .noPromotion: return count { if case .promoted = $0 { true } else { false } }
    case .rollback, .promotion:
        let times = results.compactMap { r -> Int? in
            switch r {
            case .rolledBack(let s): expect == .rollback ? s : nil
            case .promoted(let s): expect == .promotion ? s : nil
            case .undecided: nil
            }
        }.sorted()
        let missed = results.count - times.count
        guard !times.isEmpty else { return "never (0/\(results.count))" }
        var text = "median \(times[times.count / 2]) s, worst \(times.last!) s"
        if missed > 0 { text += " (\(missed)/\(results.count) \(expect == .rollback ? "not caught" : "not promoted"))" }
        return text
    }
}

print("| Scenario (1 000 req/s) | Target | Canary: stratified mixture SPRT, promote on evidence (\(Int(example.evidencePolicy.confidence * 100)) %) | Canary, old rule: advance once baked | Kayenta-style: Mann–Whitney 98 % every 10 s | Flagger-style: 1 min checks vs baseline with the plan's tolerances, a pass advances, 5 failures roll back |")
print("| --- | --- | --- | --- | --- | --- |")
for (index, (scenario, target)) in scenarios.enumerated() {
    // Seeds are independent: run them on every core, collect in seed order.
    let results = Mutex<[Int: [RunResult]]>([:])
    DispatchQueue.concurrentPerform(iterations: scenario.seeds) { seed in
        let s = UInt64(1000 * index + seed + 1)
        let row = [scenario.runOurs(seed: s), scenario.runOurs(seed: s, plan: oldRule(scenario.plan)), scenario.runKayenta(seed: s),
                   scenario.runFlagger(seed: s)]
        results.withLock { $0[seed] = row }
    }
    let collected = results.withLock { dict in (0..<scenario.seeds).map { dict[$0]! } }
    let cells = (0..<4).map { column in summarise(collected.map { $0[column] }, scenario.expect) }
    print("| \(scenario.name) (\(scenario.seeds) seeds) | \(target) | \(cells.joined(separator: " | ")) |")
}
let seconds = Date().timeIntervalSince(started)
print("")
print(String(format: "Baseline: 0.5 %% errors, lognormal latency (median 40 ms, σ 0.35), 90 %% accuracy over 5 classes. Guards, alpha and promote_confidence from agent-config/rollout.example.yaml (%d relative guards → e-value threshold %.0f). Ran in %.1f s.", example.guards.filter(\.isRelative).count, example.rejectionThreshold, seconds))
