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

let seeds = quick ? 40 : 200
let healthySeeds = quick ? 5 : 20
var regressedLatency = Behaviour()
regressedLatency.latencyMedianMs *= 1.5  // lognormal: every quantile, p99 included, +50 %
var regressedErrors = Behaviour()
regressedErrors.errorRate = 0.05
var regressedAccuracy = Behaviour()
regressedAccuracy.accuracy = 0.87

let scenarios: [(Scenario, String)] = [
    (Scenario(name: "A/A: false rollback within 5 min at 10 %", canary: Behaviour(), seeds: seeds, durationS: 300, plan: holdAt10), "≤ 1 %"),
    (Scenario(name: "A/A at 1 % canary, 0.1 % errors: false rollback within 5 min", baseline: rareErrors, canary: rareErrors, seeds: seeds, durationS: 300, plan: holdAt1), "≤ 1 %"),
    (Scenario(name: "Error rate 0.5 % → 5 %: time to rollback", canary: regressedErrors, seeds: seeds, durationS: 300, plan: holdAt10), "≤ 5 s"),
    (Scenario(name: "Latency p99 +50 % (lognormal): time to rollback", canary: regressedLatency, seeds: seeds, durationS: 300, plan: holdAt10), "≤ 30 s"),
    (Scenario(name: "Accuracy −3 points (immediate labels): time to rollback", canary: regressedAccuracy, seeds: seeds, durationS: 300, plan: holdAt10), "—"),
    (Scenario(name: "Healthy canary: time to promote (example plan, gate approved at once)", canary: Behaviour(), seeds: healthySeeds, durationS: 3600, plan: example), "—"),
]

func summarise(_ results: [RunResult], expectRollback: Bool, isAA: Bool) -> String {
    if isAA {
        let falseRollbacks = results.filter { if case .rolledBack = $0 { true } else { false } }.count
        let pct = 100 * Double(falseRollbacks) / Double(results.count)
        return String(format: "%.1f %% (%d/%d)", pct, falseRollbacks, results.count)
    }
    let times = results.compactMap { r -> Int? in
        switch r {
        case .rolledBack(let s): expectRollback ? s : nil
        case .promoted(let s): expectRollback ? nil : s
        case .undecided: nil
        }
    }.sorted()
    let missed = results.count - times.count
    guard !times.isEmpty else { return "never (0/\(results.count))" }
    let median = times[times.count / 2]
    let worst = times.last!
    var text = "median \(median) s, worst \(worst) s"
    if missed > 0 { text += " (\(missed)/\(results.count) \(expectRollback ? "not caught" : "not promoted"))" }
    return text
}

print("| Scenario (1 000 req/s) | Target | Canary: mixture SPRT, alpha \(example.alpha) | Kayenta-style: Mann–Whitney 98 % every 10 s |")
print("| --- | --- | --- | --- |")
for (index, (scenario, target)) in scenarios.enumerated() {
    // Seeds are independent: run them on every core, collect in seed order.
    let results = Mutex<[Int: (RunResult, RunResult)]>([:])
    DispatchQueue.concurrentPerform(iterations: scenario.seeds) { seed in
        let s = UInt64(1000 * index + seed + 1)
        let pair = (scenario.runOurs(seed: s), scenario.runReference(seed: s))
        results.withLock { $0[seed] = pair }
    }
    let collected = results.withLock { dict in (0..<scenario.seeds).map { dict[$0]! } }
    let ours = collected.map(\.0)
    let reference = collected.map(\.1)
    let isAA = scenario.name.hasPrefix("A/A")
    let expectRollback = !isAA && !scenario.name.hasPrefix("Healthy")
    print("| \(scenario.name) (\(scenario.seeds) seeds) | \(target) | \(summarise(ours, expectRollback: expectRollback, isAA: isAA)) | \(summarise(reference, expectRollback: expectRollback, isAA: isAA)) |")
}
let seconds = Date().timeIntervalSince(started)
print("")
print(String(format: "Baseline: 0.5 %% errors, lognormal latency (median 40 ms, σ 0.35), 90 %% accuracy over 5 classes. Guards and alpha from agent-config/rollout.example.yaml (%d relative guards → e-value threshold %.0f). Ran in %.1f s.", example.guards.filter(\.isRelative).count, example.rejectionThreshold, seconds))
