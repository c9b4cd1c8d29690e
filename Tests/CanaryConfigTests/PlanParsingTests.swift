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

    @Test("evidence keys: defaults, values, and each bad value refused on its line")
    func evidenceKeys() throws {
        let plan = try RolloutPlan.parse(yaml: Self.valid)
        // Defaults; max_duration defaults to 10 m, the progress deadline here.
        #expect(plan.evidence == EvidencePolicy(confidence: 0.99, confirmFromPPM: 0, maxBakeMs: 600_000, onInconclusive: .pause,
                                               holdbackPPM: 50_000, stratumMs: 5_000))
        let tight = Self.valid.replacingOccurrences(of: "progress_deadline: 10m", with: "progress_deadline: 2m")
        #expect(try RolloutPlan.parse(yaml: tight).evidencePolicy.maxBakeMs == 120_000)
        let written = Self.valid.replacingOccurrences(of: "on_breach: pause", with: """
            on_breach: pause
            promote_confidence: 95%
            confirm_from: 50%
            on_inconclusive: advance
            holdback: 0
            stratum: 10s
            """).replacingOccurrences(of: "  min_samples_per_arm: 500", with: "  min_samples_per_arm: 500\n  max_duration: 5m")
        let parsed = try RolloutPlan.parse(yaml: written).evidencePolicy
        #expect(parsed == EvidencePolicy(confidence: 0.95, confirmFromPPM: 500_000, maxBakeMs: 300_000, onInconclusive: .advance,
                                         holdbackPPM: 0, stratumMs: 10_000))
        let cases: [(String, String, Int, String)] = [
            ("on_breach: pause", "on_breach: pause\npromote_confidence: 1.5", 12, "is a bare number above 1"),
            ("on_breach: pause", "on_breach: pause\npromote_confidence: 30%", 12, "promote_confidence must be at least 50 %"),
            ("on_breach: pause", "on_breach: pause\nholdback: 50%", 12, "holdback \"50%\" must be below 50 %"),
            ("on_breach: pause", "on_breach: pause\non_inconclusive: wait", 12, "on_inconclusive"),
            ("on_breach: pause", "on_breach: pause\nstratum: 0s", 12, "stratum"),
            ("  min_samples_per_arm: 500", "  min_samples_per_arm: 500\n  max_duration: 10s", 8, "shorter than bake.min_duration (30s)"),
            ("  min_samples_per_arm: 500", "  min_samples_per_arm: 500\n  max_duration: 20m", 8, "longer than progress_deadline"),
        ]
        for (from, to, line, says) in cases {
            let found = issues(Self.valid.replacingOccurrences(of: from, with: to))
            #expect(found.count == 1 && found.first?.line == line && found.first?.message.contains(says) == true, "\(to): \(found)")
        }
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

    @Test("a share above 1 written as a bare number is refused wherever a plan takes a share, with the fix", arguments: [
        ("tolerance: 20%\n", "tolerance: 20\n", 16, "guards[0].tolerance \"20\" is a bare number above 1", "write 20% or 0.2"),
        ("max: 20%", "max: 20", 15, "guards[0].max \"20\" is a bare number above 1", "it would mean 2000 %"),
        ("[0.1%, 1%, 50%, 100%]", "[0.1%, 1%, 50, 100%]", 4, "steps[2] \"50\" is a bare number above 1", "write 50% or 0.5"),
        ("pause_before: [50%]", "pause_before: [50]", 10, "pause_before[0] \"50\"", "write 50% or 0.5"),
        ("alpha: 0.01", "alpha: 5", 9, "alpha \"5\" is a bare number above 1", "write 5% or 0.05"),
        ("tolerance: 0.2", "tolerance: 1.5", 19, "guards[1].tolerance \"1.5\"", "write 1.5% or 0.015"),
        ("tolerance: 0.2", "tolerance: 150", 19, "guards[1].tolerance \"150\"", "write 150%"),
    ])
    func bareShareAboveOne(old: String, new: String, line: Int, subject: String, fix: String) {
        let found = issues(Self.valid.replacingOccurrences(of: old, with: new))
        #expect(found.map(\.line) == [line], "\(found)")
        #expect(found.first?.message.contains(subject) == true, "\(found)")
        #expect(found.first?.message.contains(fix) == true, "\(found)")
    }

    @Test("a share above 100 % is still a share when written with its sign; 1 bare is 100 %")
    func largeTolerancesWithTheirSign() throws {
        let plan = try RolloutPlan.parse(yaml: Self.valid.replacingOccurrences(of: "tolerance: 0.2", with: "tolerance: 150%")
            .replacingOccurrences(of: "tolerance: 20%\n", with: "tolerance: 1\n"))
        #expect(plan.guards[1].tolerance == 1.5)
        #expect(plan.guards[0].tolerance == 1)
    }

    @Test("every time in a plan carries its unit: a bare latency or duration is refused naming both readings", arguments: [
        ("max: 1.5s", "max: 1500", 18, "guards[1].max \"1500\" has no unit"),
        ("min_duration: 30s", "min_duration: 30", 6, "bake.min_duration \"30\" has no unit"),
        ("analysis_window: 1m", "analysis_window: 60", 8, "analysis_window \"60\" has no unit"),
        ("progress_deadline: 10m", "progress_deadline: 600", 12, "progress_deadline \"600\" has no unit"),
    ])
    func bareTimes(old: String, new: String, line: Int, subject: String) {
        let found = issues(Self.valid.replacingOccurrences(of: old, with: new))
        #expect(found.map(\.line) == [line], "\(found)")
        #expect(found.first?.message.contains(subject) == true, "\(found)")
        let number = new.split(separator: " ").last.map(String.init) ?? ""
        #expect(found.first?.message.contains("write e.g. \(number)ms or \(number)s") == true, "\(found)")
    }

    @Test("a bare 0 needs no unit; latencies keep fractions of a millisecond")
    func zeroAndSubMillisecond() throws {
        let plan = try RolloutPlan.parse(yaml: Self.valid.replacingOccurrences(of: "min_duration: 30s", with: "min_duration: 0")
            .replacingOccurrences(of: "max: 1.5s", with: "max: 800us"))
        #expect(plan.bake.minDurationMs == 0)
        #expect(plan.guards[1].max == 0.8)
        let threshold = issues(Self.valid + "\n  - metric: latency_over\n    threshold: 250\n    max: 5%\n")
        #expect(threshold.map(\.line) == [21] && threshold.first?.message.contains("has no unit") == true, "\(threshold)")
    }

    @Test("margin on a latency quantile is a latency (baseline × (1 + tolerance) + margin)")
    func quantileMargin() throws {
        let plan = try RolloutPlan.parse(yaml: Self.valid.replacingOccurrences(of: "tolerance: 0.2", with: "tolerance: 0.2\n    margin: 2ms"))
        #expect(plan.guards[1].margin == 2)
        let micro = try RolloutPlan.parse(yaml: Self.valid.replacingOccurrences(of: "tolerance: 0.2", with: "tolerance: 0.2\n    margin: 250us"))
        #expect(micro.guards[1].margin == 0.25)
        let share = issues(Self.valid.replacingOccurrences(of: "tolerance: 0.2", with: "tolerance: 0.2\n    margin: 1%"))
        #expect(share.map(\.line) == [20] && share.first?.message.contains("is not a latency") == true, "\(share)")
        let bare = issues(Self.valid.replacingOccurrences(of: "tolerance: 0.2", with: "tolerance: 0.2\n    margin: 2"))
        #expect(bare.first?.message.contains("has no unit") == true, "\(bare)")
    }

    @Test("margin where it would be ignored is refused: without a tolerance, and on accuracy")
    func marginThatWouldBeIgnored() {
        let alone = issues(Self.valid.replacingOccurrences(of: "    tolerance: 0.2", with: "    margin: 2ms"))
        #expect(alone.map(\.line) == [19] && alone.first?.message.contains("needs a tolerance") == true, "\(alone)")
        let accuracy = issues(Self.valid + "\n  - metric: accuracy\n    tolerance: 1%\n    margin: 1%\n")
        #expect(accuracy.map(\.line) == [22] && accuracy.first?.message.contains("absolute drop in points") == true, "\(accuracy)")
        let js = issues(Self.valid + "\n  - metric: prediction_drift\n    js_max: 2\n")
        #expect(js.map(\.line) == [21] && js.first?.message.contains("between 0.0 and 1.0") == true, "\(js)")
    }

    @Test func issueDescriptionNamesFileAndLine() {
        let issue = PlanIssue(file: "p.yaml", line: 4, column: 8, message: "step \"150%\" is over 100 %")
        #expect(issue.description == "p.yaml:4:8: step \"150%\" is over 100 %")
    }
}
