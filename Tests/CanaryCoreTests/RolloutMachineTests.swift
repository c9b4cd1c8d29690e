import Foundation
import Testing

@testable import CanaryCore

@Suite("Rollout state machine")
struct RolloutMachineTests {
    /// One second of traffic: a window per version (skipping a version with
    /// no requests), then a tick.
    @discardableResult
    static func second(
        _ m: inout RolloutMachine, at t: Int64, baseline: UInt64 = 900, canary: UInt64 = 100, baselineErrors: UInt64 = 0,
        canaryErrors: UInt64 = 0
    ) -> [Decision] {
        var out: [Decision] = []
        if baseline > 0 { out += m.handle(.window(Fixture.window("v1", requests: baseline, errors: baselineErrors, startMs: t - 1000), receivedAt: t)) }
        if canary > 0 { out += m.handle(.window(Fixture.window("v2", requests: canary, errors: canaryErrors, startMs: t - 1000), receivedAt: t)) }
        out += m.handle(.tick(t))
        return out
    }

    @Test func healthyCanaryIsPromotedStepByStep() {
        var m = RolloutMachine(plan: Fixture.plan())
        #expect(m.phase == .pending)
        var decisions = m.handle(.start(at: 0))
        #expect(m.phase == .progressing && m.canaryWeightPPM == 100_000)
        for t in stride(from: Int64(1000), through: 30_000, by: 1000) {
            decisions += Self.second(&m, at: t)
        }
        #expect(decisions.map(\.action) == [.advance, .advance, .advance, .promote])
        #expect(m.phase == .promoted)
        #expect(m.weightsPPM == ["v1": 0, "v2": 1_000_000])
        // Step 1 → 2 happened once bake (5 s) and samples were met.
        #expect(decisions[1].atMs == 5000)
        #expect(decisions[1].weightsPPM == ["v1": 500_000, "v2": 500_000])
        #expect(!decisions[1].evidence.isEmpty)
        #expect(m.summaries["v2"]?.requests ?? 0 > 0)
    }

    @Test func manualGatePausesUntilResumed() {
        var m = RolloutMachine(plan: Fixture.plan(pauseBefore: [500_000]))
        _ = m.handle(.start(at: 0))
        var decisions: [Decision] = []
        for t in stride(from: Int64(1000), through: 20_000, by: 1000) { decisions += Self.second(&m, at: t) }
        #expect(decisions.map(\.action) == [.pause])
        #expect(m.phase == .paused && m.canaryWeightPPM == 100_000)
        #expect(m.pauseReason?.contains("manual gate") == true)
        let resumed = m.handle(.command(.resume, at: 21_000))
        #expect(resumed.map(\.action) == [.resume])
        #expect(m.phase == .progressing && m.canaryWeightPPM == 500_000 && m.stepIndex == 1)
    }

    @Test func breachRollsBackAtOnce() {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        let decisions = Self.second(&m, at: 1000, canaryErrors: 50)
        #expect(decisions.map(\.action) == [.rollback])
        #expect(m.phase == .rolledBack)
        #expect(m.weightsPPM == ["v1": 1_000_000, "v2": 0])
        #expect(decisions[0].evidence.first?.guardName == "error_rate")
        #expect(decisions[0].reason.contains("error rate"))
        // Terminal: nothing more happens.
        #expect(Self.second(&m, at: 2000).isEmpty)
    }

    @Test func breachPausesWhenThePlanSaysSo() {
        var m = RolloutMachine(plan: Fixture.plan(onBreach: .pause))
        _ = m.handle(.start(at: 0))
        #expect(Self.second(&m, at: 1000, canaryErrors: 50).map(\.action) == [.pause])
        #expect(m.phase == .paused && m.canaryWeightPPM == 100_000)
        #expect(Self.second(&m, at: 2000, canaryErrors: 50).isEmpty)
    }

    @Test func ringLossOnlyPauses() {
        var m = RolloutMachine(plan: Fixture.plan(guards: [Guard(metric: .errorRate, tolerance: 0.2), Guard(metric: .ringLoss, max: 0.01)]))
        _ = m.handle(.start(at: 0))
        #expect(m.handle(.window(Fixture.window("v2", requests: 100, ringLost: 50), receivedAt: 1000)).isEmpty)
        #expect(m.handle(.tick(1000)).map(\.action) == [.pause])
    }

    @Test func neverAdvancesWithoutData() {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        for t in stride(from: Int64(1000), through: 60_000, by: 1000) { #expect(m.handle(.tick(t)).isEmpty) }
        #expect(m.phase == .progressing && m.stepIndex == 0)
        #expect(m.waitingFor.contains { $0.contains("no window from v2") })
        // Baseline only: still no.
        for t in stride(from: Int64(61_000), through: 80_000, by: 1000) { #expect(Self.second(&m, at: t, canary: 0).isEmpty) }
        #expect(m.stepIndex == 0)
    }

    @Test func staleDataHoldsTheStep() {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        Self.second(&m, at: 1000, canary: 150)
        // Canary goes quiet past stale_after (3 s); baseline keeps reporting.
        var decisions: [Decision] = []
        for t in stride(from: Int64(2000), through: 12_000, by: 1000) { decisions += Self.second(&m, at: t, canary: 0) }
        #expect(decisions.isEmpty)
        #expect(m.waitingFor.contains { $0.contains("no window from v2") })
    }

    @Test func staleAgentsHoldTheStep() {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        _ = m.handle(.staleAgents(["agent-7"], at: 500))
        var decisions: [Decision] = []
        for t in stride(from: Int64(1000), through: 10_000, by: 1000) { decisions += Self.second(&m, at: t) }
        #expect(decisions.isEmpty)
        #expect(m.staleAgents == ["agent-7"])
        _ = m.handle(.staleAgents([], at: 10_500))
        #expect(Self.second(&m, at: 11_000).map(\.action) == [.advance])
    }

    @Test func progressDeadlineAppliesTheBreachAction() {
        var m = RolloutMachine(plan: Fixture.plan(deadlineMs: 10_000))
        _ = m.handle(.start(at: 0))
        var decisions: [Decision] = []
        for t in stride(from: Int64(1000), through: 12_000, by: 1000) { decisions += Self.second(&m, at: t, canary: 5) }
        #expect(decisions.map(\.action) == [.rollback])
        #expect(decisions.first?.atMs == 11_000)
        #expect(decisions.first?.reason.contains("progress deadline") == true)
    }

    @Test func pausedTimeDoesNotCountAsBake() {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        Self.second(&m, at: 1000)
        _ = m.handle(.command(.pause, at: 1000))
        for t in stride(from: Int64(2000), through: 30_000, by: 1000) { Self.second(&m, at: t) }
        #expect(m.stepIndex == 0)
        _ = m.handle(.command(.resume, at: 30_000))
        var decisions: [Decision] = []
        // 1 s baked before the pause + 4 s after the resume = the 5 s bake.
        for t in stride(from: Int64(31_000), through: 33_000, by: 1000) { decisions += Self.second(&m, at: t) }
        #expect(decisions.isEmpty)
        #expect(Self.second(&m, at: 34_000).map(\.action) == [.advance])
    }

    @Test func setWeightThenResumeReentersThePlan() {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        #expect(m.handle(.command(.setWeight(ppm: 200_000), at: 100)).map(\.action) == [.setWeight])
        #expect(m.phase == .paused && m.weightsPPM == ["v1": 800_000, "v2": 200_000])
        _ = m.handle(.command(.resume, at: 200))
        #expect(m.phase == .progressing && m.stepIndex == 1 && m.canaryWeightPPM == 500_000)
        #expect(m.rejection(of: .setWeight(ppm: 1_000_001)) != nil)
    }

    static func machine(in phase: RolloutPhase) -> RolloutMachine {
        var m = RolloutMachine(plan: Fixture.plan())
        switch phase {
        case .pending: break
        case .progressing: _ = m.handle(.start(at: 0))
        case .paused: _ = m.handle(.start(at: 0)); _ = m.handle(.command(.pause, at: 10))
        case .promoted: _ = m.handle(.start(at: 0)); _ = m.handle(.command(.promote, at: 10))
        case .rolledBack: _ = m.handle(.start(at: 0)); Self.second(&m, at: 1000, canaryErrors: 90)
        case .aborted: _ = m.handle(.start(at: 0)); _ = m.handle(.command(.abort, at: 10))
        }
        #expect(m.phase == phase)
        return m
    }

    static let commands: [OperatorCommand] = [.pause, .resume, .promote, .abort, .setWeight(ppm: 250_000)]

    /// Expected phase after each command, per starting phase (nil = refused).
    static let table: [RolloutPhase: [RolloutPhase?]] = [
        .pending: [nil, .progressing, .promoted, .aborted, .paused],
        .progressing: [.paused, nil, .promoted, .aborted, .paused],
        .paused: [nil, .progressing, .promoted, .aborted, .paused],
        .promoted: [nil, nil, nil, nil, nil],
        .rolledBack: [nil, nil, nil, nil, nil],
        .aborted: [nil, nil, nil, nil, nil],
    ]

    @Test(arguments: RolloutPhase.allCases)
    func operatorCommandsInEveryPhase(phase: RolloutPhase) {
        for (i, command) in Self.commands.enumerated() {
            var m = Self.machine(in: phase)
            let refused = m.rejection(of: command) != nil
            let decisions = m.handle(.command(command, at: 5000))
            let expected = Self.table[phase]![i]
            if let expected {
                #expect(decisions.count == 1, "\(command) in \(phase)")
                #expect(!refused)
                #expect(m.phase == expected, "\(command) in \(phase)")
                #expect(decisions.first?.phase == expected)
                #expect(decisions.first.map { $0.weightsPPM.values.reduce(0, +) } == 1_000_000)
            } else {
                #expect(decisions.isEmpty, "\(command) in \(phase)")
                #expect(refused)
                #expect(m.phase == phase)
            }
        }
        // Weights after terminal commands.
        var promoted = Self.machine(in: .progressing)
        _ = promoted.handle(.command(.promote, at: 1))
        #expect(promoted.canaryWeightPPM == 1_000_000)
        var aborted = Self.machine(in: .paused)
        _ = aborted.handle(.command(.abort, at: 1))
        #expect(aborted.canaryWeightPPM == 0)
    }

    static func randomEvents(seed: UInt64) -> [RolloutEvent] {
        var rng = TestRNG(seed: seed)
        var events: [RolloutEvent] = [.start(at: 0)]
        for s in 1...60 {
            let t = Int64(s) * 1000
            let errors = rng.next() % 3 == 0 ? rng.next() % 8 : 0
            events.append(.window(Fixture.window("v1", requests: 500 + rng.next() % 500, errors: rng.next() % 5, startMs: t - 1000), receivedAt: t))
            events.append(.window(Fixture.window("v2", requests: 50 + rng.next() % 100, errors: errors, startMs: t - 1000), receivedAt: t))
            switch rng.next() % 25 {
            case 0: events.append(.command(.pause, at: t))
            case 1: events.append(.command(.resume, at: t))
            case 2: events.append(.staleAgents(rng.next() % 2 == 0 ? [] : ["a9"], at: t))
            default: break
            }
            events.append(.tick(t))
        }
        return events
    }

    @Test func replayingTheSameEventsGivesTheSameDecisions() throws {
        for seed: UInt64 in 1...5 {
            let events = Self.randomEvents(seed: seed)
            var a = RolloutMachine(plan: Fixture.plan())
            var b = RolloutMachine(plan: Fixture.plan())
            let da = events.flatMap { a.handle($0) }
            let db = events.flatMap { b.handle($0) }
            #expect(da == db)
            #expect(a == b)
            // A snapshot taken half-way continues identically.
            var c = RolloutMachine(plan: Fixture.plan())
            let half = events.count / 2
            var dc = events[..<half].flatMap { c.handle($0) }
            var restored = try JSONDecoder().decode(RolloutMachine.self, from: JSONEncoder().encode(c))
            dc += events[half...].flatMap { restored.handle($0) }
            #expect(dc == da)
        }
    }

    @Test func windowsOfOtherVersionsAndMismatchedSettingsAreIgnored() throws {
        var m = RolloutMachine(plan: Fixture.plan())
        _ = m.handle(.start(at: 0))
        _ = m.handle(.window(Fixture.window("v3", requests: 100, errors: 100), receivedAt: 10))
        #expect(m.summaries["v3"] == nil && m.phase == .progressing)
        _ = m.handle(.window(Fixture.window("v2", requests: 10), receivedAt: 20))
        var odd = try Window.empty(model: "m", version: "v2", settings: HistogramSettings(lowestMicros: 1, highestMicros: 1_000_000, significantDigits: 2))
        odd.requestCount = 5
        _ = m.handle(.window(odd, receivedAt: 30))
        #expect(m.refusedWindows == 1)
        #expect(m.summaries["v2"]?.requests == 10)
    }
}
