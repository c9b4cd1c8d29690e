import CanaryConfig
import CanaryCore
import Foundation

/// A demo scenario (`agent-config/scenarios/NAME.yaml`): the plan, the
/// replicas of each version and how they behave, the traffic, the faults and
/// actions and when they happen, and the outcome it must end in. Read by
/// `Scenario.parse` (Scenario+Reading.swift) through CanaryConfig.
public struct Scenario: Sendable {
    public struct Replicas: Codable, Sendable, Hashable {
        public var baseline: Int = 2
        public var canary: Int = 2
        /// Replicas of the baseline version serving the plan's control arm
        /// (agent role control); only with a plan that names a control.
        public var control: Int = 0
    }

    public struct Traffic: Codable, Sendable, Hashable {
        /// Requests per second over all replicas.
        public var rps: Double = 1_000
        /// Distinct request keys (users); each key routes stickily.
        public var keys: Int = 100_000
    }

    public var name: String
    public var description: String
    /// The rollout plan: inline YAML text, or a file relative to the scenario.
    public var plan: String?
    public var planFile: String?
    public var replicas: Replicas
    public var traffic: Traffic
    /// The agents' window length.
    public var window: ScenarioDuration
    public var baseline: ReplicaProfile
    public var canary: ReplicaProfile
    public var faults: [Fault]
    public var actions: [ScenarioAction]
    public var expect: Expectation
    /// How far the tests may fast-forward it (1 = real time only).
    public var maxSpeed: Double
    /// Give up (and report a timeout) after this long at real-time speed.
    public var timeout: ScenarioDuration
    /// Traffic before the rollout starts: the baseline's reference period
    /// for a `baseline_interference` guard (0: start as soon as the agents are up).
    public var warmup: ScenarioDuration
    /// The scenario file's line where an inline (`plan: |`) plan's text
    /// starts, so the plan's issues point into the scenario file.
    var inlinePlanLine: Int?

    /// Reads and checks a scenario file; the plan is resolved and parsed so
    /// a broken scenario fails before any process starts.
    public static func load(path: String) throws -> (scenario: Scenario, planSource: String, plan: RolloutPlan) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ScenarioError("cannot read scenario file \(path)")
        }
        var scenario: Scenario
        do {
            scenario = try parse(yaml: text, file: path)
        } catch {
            throw ScenarioError("scenario \(path) is invalid:\n\(error)")
        }
        var source: String
        var planPath = path
        if let inline = scenario.plan {
            source = inline
        } else if let file = scenario.planFile {
            let dir = (path as NSString).deletingLastPathComponent
            planPath = file.hasPrefix("/") ? file : (dir as NSString).appendingPathComponent(file)
            guard let text = try? String(contentsOfFile: planPath, encoding: .utf8) else {
                throw ScenarioError("scenario \(path): cannot read plan_file \(planPath)")
            }
            source = text
        } else {
            throw ScenarioError("scenario \(path) names no plan: add plan (inline YAML) or plan_file")
        }
        let plan: RolloutPlan
        do {
            plan = try RolloutPlan.parse(yaml: source, file: planPath)
        } catch {
            let issues = scenario.inlinePlanLine.map { inScenario(error.issues, text: text, firstLine: $0) } ?? error.issues
            throw ScenarioError("scenario \(path): the plan is invalid: \(PlanError(issues: issues))")
        }
        if plan.control == nil, scenario.replicas.control > 0 {
            throw ScenarioError("scenario \(path): replicas.control is \(scenario.replicas.control) but the plan names no control; add control: true to the plan or remove replicas.control")
        }
        if plan.control != nil, scenario.replicas.control == 0 {
            throw ScenarioError("scenario \(path): the plan names a control but replicas.control is 0; its share would reach no replica")
        }
        scenario.plan = source
        return (scenario, source, plan)
    }
}

/// An inline plan's issues moved to the scenario file's lines and columns
/// (the block's text is indented in the file).
func inScenario(_ issues: [PlanIssue], text: String, firstLine: Int) -> [PlanIssue] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    let indent = lines.indices.contains(firstLine - 1) ? lines[firstLine - 1].prefix { $0 == " " }.count : 0
    return issues.map { issue in
        guard issue.line > 0 else { return issue }
        var moved = issue
        moved.line += firstLine - 1
        moved.column += indent
        return moved
    }
}

/// A scenario that cannot be used, with a sentence saying why.
public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) {
        self.description = description
    }
}
