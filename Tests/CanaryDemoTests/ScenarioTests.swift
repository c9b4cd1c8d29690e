import CanaryDemo
import Foundation
import Testing

/// Every scenario end to end, headless: real processes, real shared memory,
/// real ZeroMQ, the real journal. Fast-forwarded where the scenario allows.
@Suite("canary demo scenarios")
struct ScenarioTests {
    static let fast = 4.0

    func run(_ scenario: String, speed: Double = fast, rps: Double? = 2_000, timeout: Duration = .seconds(150))
        async throws -> DemoSummary {
        let demo = DemoProcess(scenario: scenario, speed: speed, rps: rps)
        let (summary, output) = try await DemoSlots.shared.run { try await demo.run(timeout: timeout) }
        #expect(summary.error == nil, "\(scenario): \(summary.error ?? "")\n\(output)")
        #expect(summary.leftRunning.isEmpty, "\(scenario): processes left running: \(summary.leftRunning)")
        // Nothing is ever counted twice: the coordinator never counts more
        // samples of a version than its replicas wrote.
        for (version, counted) in summary.samplesCounted {
            #expect(counted <= summary.samplesWritten[version] ?? 0,
                    "\(scenario): \(version) counted \(counted) > written \(summary.samplesWritten[version] ?? 0)")
        }
        // Keep the journal and logs of a run that went wrong, for the post-mortem.
        if summary.passed { try? FileManager.default.removeItem(atPath: demo.directory) }
        return summary
    }

    /// A regression: rolled back on the expected guard, after the fault
    /// began (never before), and every route page back at 0 % canary.
    @discardableResult
    func expectRollback(_ scenario: String, guardName: String, speed: Double = fast, rps: Double? = 2_000) async throws -> DemoSummary {
        let s = try await run(scenario, speed: speed, rps: rps)
        #expect(s.outcome == "rolled_back", "\(scenario): \(s.outcome) — \(s.decisionReason ?? "")")
        #expect(s.trippedGuards.contains(guardName), "\(scenario): tripped \(s.trippedGuards), expected \(guardName)")
        let onset = try #require(s.faultOnsetMs, "\(scenario): the fault never began")
        let decision = try #require(s.decisionMs)
        #expect(decision >= onset, "\(scenario): rolled back \(onset - decision) ms before the fault began")
        #expect(!s.routePagesCanaryPPM.isEmpty)
        #expect(s.routePagesCanaryPPM.values.allSatisfy { $0 == 0 }, "\(scenario): route pages \(s.routePagesCanaryPPM)")
        if let zero = s.lastRouteZeroMs { #expect(zero >= decision - 50) }
        #expect(s.samplesCountedTotal == s.samplesWrittenTotal, "\(scenario): written \(s.samplesWritten), counted \(s.samplesCounted)")
        return s
    }

    /// A healthy rollout: promoted, every page at 100 % canary.
    func expectPromotion(_ scenario: String) async throws -> DemoSummary {
        let s = try await run(scenario)
        #expect(s.outcome == "promoted", "\(scenario): \(s.outcome) — \(s.decisionReason ?? "")")
        #expect(s.routePagesCanaryPPM.values.allSatisfy { $0 == 1_000_000 }, "\(scenario): route pages \(s.routePagesCanaryPPM)")
        return s
    }

    @Test func healthyPromotes() async throws {
        let s = try await expectPromotion("healthy")
        #expect(s.samplesCountedTotal == s.samplesWrittenTotal, "written \(s.samplesWritten), counted \(s.samplesCounted)")
        #expect(s.passed)
    }

    @Test func errorSpikeRollsBack() async throws {
        try await expectRollback("error-spike", guardName: "error_rate")
    }

    @Test func latencyRegressionRollsBack() async throws {
        try await expectRollback("latency-regression", guardName: "latency_p99")
    }

    @Test func accuracyDropRollsBack() async throws {
        try await expectRollback("accuracy-drop", guardName: "accuracy")
    }

    @Test func predictionDriftRollsBack() async throws {
        try await expectRollback("prediction-drift", guardName: "prediction_drift")
    }

    /// The canary's start makes the baseline 1.5× slower (a shared GPU):
    /// rolled back on the baseline compared with its warm-up, with
    /// evidence naming the baseline; the canary-vs-baseline guards pass.
    @Test func baselineInterferenceRollsBack() async throws {
        let s = try await expectRollback("baseline-interference", guardName: "baseline_interference_latency_p95")
        let reason = s.decisionReason ?? ""
        #expect(reason.contains("baseline v41 p95") && reason.contains("since the rollout began"), "\(reason)")
        #expect(!s.trippedGuards.contains("latency_p99"), "tripped \(s.trippedGuards)")
    }

    /// Real time: its evidence is sample counts; the scenario caps the speed.
    @Test func slowBurnRollsBackBeforeFullTraffic() async throws {
        try await expectRollback("slow-burn", guardName: "error_rate", speed: 1, rps: nil)
    }

    /// An agent killed with SIGKILL mid-rollout: the rollout still promotes
    /// and nothing is counted twice (checked in `run`). The baseline's
    /// agents are untouched, so every baseline sample is counted; the canary
    /// may miss only what the killed agent had drained but not yet had acked
    /// (its reader position is in the ring, its unacked windows in memory).
    @Test func agentCrashStillPromotes() async throws {
        let s = try await expectPromotion("agent-crash")
        #expect(s.actions.contains { $0.hasPrefix("killed agent") } && s.actions.contains { $0.hasPrefix("restarted agent") })
        #expect(s.agents.allSatisfy { $0.windowsRejected == 0 })
        let baseline = "v41", canary = "v42"
        #expect(s.samplesCounted[baseline] == s.samplesWritten[baseline], "written \(s.samplesWritten), counted \(s.samplesCounted)")
        let lost = (s.samplesWritten[canary] ?? 0) - min(s.samplesWritten[canary] ?? 0, s.samplesCounted[canary] ?? 0)
        // The killed replica serves half of the canary's 25 % of 2000 req/s
        // (250 req/s); it holds well under 3 s of samples unacked.
        #expect(lost <= 750, "lost \(lost) canary samples: written \(s.samplesWritten), counted \(s.samplesCounted)")
    }

    /// The coordinator killed with SIGKILL mid-rollout and restarted on its
    /// journal: it resumes and promotes, and every sample is counted exactly
    /// once — acked windows survived the crash, held ones were resent once.
    @Test func coordinatorRestartResumesAndPromotes() async throws {
        let s = try await expectPromotion("coordinator-restart")
        #expect(s.actions.contains("restarted the coordinator"))
        #expect(s.samplesCountedTotal == s.samplesWrittenTotal, "written \(s.samplesWritten), counted \(s.samplesCounted)")
    }
}
