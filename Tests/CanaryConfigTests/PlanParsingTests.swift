import CanaryConfig
import CanaryCore
import Foundation
import Testing

@Suite("Rollout plan parsing")
struct PlanParsingTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let valid = """
        model: m
        baseline: v1
        canary: v2
        steps: [0.1%, 1%, 50%, 100%]
        bake:
          min_duration: 30s
          min_samples_per_arm: 500
        analysis_window: 1m
        alpha: 0.01
        pause_before: [50%]
        on_breach: pause
        progress_deadline: 10m
        guards:
          - metric: error_rate
            max: 20%
            tolerance: 20%
          - metric: latency_p99
            max: 1.5s
            tolerance: 0.2
        """

    func issues(_ yaml: String) -> [PlanIssue] {
        do {
            _ = try RolloutPlan.parse(yaml: yaml, file: "p.yaml")
            return []
        } catch {
            return error.issues
        }
    }

    @Test func parsesAValidPlan() throws {
        let plan = try RolloutPlan.parse(yaml: Self.valid)
        #expect(plan.stepsPPM == [1_000, 10_000, 500_000, 1_000_000])
        #expect(plan.bake == Bake(minDurationMs: 30_000, minSamplesPerArm: 500))
        #expect(plan.analysisWindowMs == 60_000)
        #expect(plan.pauseBeforePPM == [500_000])
        #expect(plan.onBreach == .pause)
        #expect(plan.progressDeadlineMs == 600_000)
        #expect(plan.guards[0] == Guard(metric: .errorRate, max: 0.2, tolerance: 0.2))
        #expect(plan.guards[1].max == 1500)
        #expect(plan.guards[1].tolerance == 0.2)
        #expect(plan.rejectionThreshold == 200)
        let json = try JSONDecoder().decode(RolloutPlan.self, from: JSONEncoder().encode(plan))
        #expect(json == plan)
    }

    @Test(arguments: ["agent-config/rollout.example.yaml", "agent-config/rollout.fast.yaml"])
    func examplePlansParse(path: String) throws {
        let text = try String(contentsOf: Self.repoRoot.appendingPathComponent(path), encoding: .utf8)
        let plan = try RolloutPlan.parse(yaml: text, file: path)
        #expect(!plan.guards.isEmpty)
        #expect(plan.stepsPPM.last == 1_000_000)
    }

    @Test func unknownKeyIsReportedWithItsLine() {
        let found = issues(Self.valid.replacingOccurrences(of: "alpha: 0.01", with: "alpah: 0.01"))
        #expect(found.count == 1)
        #expect(found.first?.line == 9)
        #expect(found.first?.file == "p.yaml")
        #expect(found.first?.message.contains("unknown key \"alpah\"") == true)
    }

    @Test func unknownKeyInAGuardIsReported() {
        let found = issues(Self.valid.replacingOccurrences(of: "    max: 1.5s", with: "    maximum: 1.5s"))
        #expect(found.map(\.line) == [18])
    }

    @Test func weightOverHundredPercent() {
        let found = issues(Self.valid.replacingOccurrences(of: "[0.1%, 1%, 50%, 100%]", with: "[0.1%, 1%, 50%, 150%]"))
        #expect(found.count == 1)
        #expect(found.first?.line == 4)
        #expect(found.first?.message.contains("over 100 %") == true)
    }

    @Test func stepsMustIncrease() {
        let yaml = Self.valid.replacingOccurrences(of: "steps: [0.1%, 1%, 50%, 100%]", with: "steps:\n  - 1%\n  - 1%\n  - 100%")
        let found = issues(yaml)
        #expect(found.first?.line == 6)
        #expect(found.first?.message.contains("steps must increase") == true)
    }

    @Test func negativeDurations() {
        let found = issues(Self.valid.replacingOccurrences(of: "min_duration: 30s", with: "min_duration: -30s"))
        #expect(found.map(\.line) == [6])
        #expect(found.first?.message.contains("zero or positive") == true)
        let deadline = issues(Self.valid.replacingOccurrences(of: "progress_deadline: 10m", with: "progress_deadline: -1m"))
        #expect(deadline.map(\.line) == [12])
    }

    @Test func unknownMetric() {
        let found = issues(Self.valid.replacingOccurrences(of: "metric: latency_p99", with: "metric: latency_p42"))
        #expect(found.map(\.line) == [17])
        #expect(found.first?.message.contains("unknown metric \"latency_p42\"") == true)
    }

    @Test func severalProblemsAreAllReported() {
        let yaml = Self.valid
            .replacingOccurrences(of: "alpha: 0.01", with: "alpha: 2")
            .replacingOccurrences(of: "on_breach: pause", with: "on_breach: explode")
        #expect(issues(yaml).map(\.line) == [9, 11])
    }

    @Test func missingFieldsAndBadYAML() {
        #expect(!issues("model: m\n").isEmpty)
        let broken = issues("model: [unclosed\n")
        #expect(broken.count == 1)
        #expect(broken.first?.message.contains("not valid YAML") == true)
        #expect(issues(Self.valid.replacingOccurrences(of: "pause_before: [50%]", with: "pause_before: [25%]")).map(\.line) == [10])
    }

    @Test func issueDescriptionNamesFileAndLine() {
        let issue = PlanIssue(file: "p.yaml", line: 4, column: 8, message: "step \"150%\" is over 100 %")
        #expect(issue.description == "p.yaml:4:8: step \"150%\" is over 100 %")
    }
}
