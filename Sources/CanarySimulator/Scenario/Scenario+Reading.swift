import CanaryConfig
import CanaryCore

/// Scenario files are read through the strict configuration layer like every
/// other file: unknown keys are refused at every level, every issue is
/// reported at once with its line. (JSON `Codable` of the profiles and faults
/// stays for the simulator spec the demo hands its child process.)
extension Scenario {
    static let keys: Set<String> = [
        "name", "description", "plan", "plan_file", "replicas", "traffic", "window", "baseline", "canary",
        "faults", "actions", "expect", "max_speed", "timeout",
        "warmup",
    ]

    /// Parses a scenario's text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> Scenario {
        let document = ConfigDocument(yaml: yaml, file: file, name: "scenario")
        guard let root = document.root(allowed: keys) else { throw document.error }
        let scenario = Scenario(root)
        try document.finish()
        return scenario
    }

    init(_ root: ConfigMapping) {
        name = root.required("name")?.nonEmptyString() ?? ""
        description = root["description"]?.string() ?? ""
        plan = root["plan"]?.string()
        inlinePlanLine = root["plan"]?.blockTextFirstLine
        planFile = root["plan_file"]?.string()
        var replicas = Replicas()
        if let m = root.mapping("replicas", allowed: ["baseline", "canary", "control"]) {
            replicas.baseline = m["baseline"]?.integer(in: 1...256).map { Int($0) } ?? replicas.baseline
            replicas.canary = m["canary"]?.integer(in: 1...256).map { Int($0) } ?? replicas.canary
            replicas.control = m["control"]?.integer(in: 0...256).map { Int($0) } ?? replicas.control
        }
        self.replicas = replicas
        var traffic = Traffic()
        if let m = root.mapping("traffic", allowed: ["rps", "keys"]) {
            traffic.rps = m["rps"]?.number(in: 1...1_000_000) ?? traffic.rps
            traffic.keys = m["keys"]?.integer(in: 1...100_000_000).map { Int($0) } ?? traffic.keys
        }
        self.traffic = traffic
        window = root["window"].flatMap(ScenarioDuration.init) ?? .init(milliseconds: 500)
        let baseline = root.mapping("baseline", allowed: ReplicaProfile.keys).map(ReplicaProfile.init) ?? ReplicaProfile()
        self.baseline = baseline
        canary = root.mapping("canary", allowed: ReplicaProfile.keys).map(ReplicaProfile.init) ?? baseline
        faults = root.mappings("faults", allowed: Fault.keys)?.map(Fault.init) ?? []
        actions = root.mappings("actions", allowed: ScenarioAction.keys)?.compactMap(ScenarioAction.init) ?? []
        let expect = root.required("expect")?.mapping(allowed: ["outcome", "guard"])
        self.expect = Expectation(outcome: expect?.required("outcome")?.oneOf(["promoted", "rolled_back"]) ?? "",
                                  guardName: expect?["guard"]?.nonEmptyString())
        maxSpeed = root["max_speed"]?.number(in: 1...Double.infinity) ?? 1
        timeout = root["timeout"].flatMap(ScenarioDuration.init) ?? .init(milliseconds: 120_000)
        warmup = root["warmup"].flatMap(ScenarioDuration.init) ?? .init(milliseconds: 0)
    }
}

extension ScenarioDuration {
    init?(_ node: ConfigNode) {
        guard let ms = node.durationMs(in: 0...Int64.max) else { return nil }
        self.init(milliseconds: ms)
    }
}

extension ReplicaProfile {
    static let keys: Set<String> = [
        "latency_ms", "latency_sigma", "tail_probability", "tail_factor", "error_rate", "timeout_rate",
        "client_error_rate", "classes", "accuracy", "label_share", "label_delay", "cold_slowdown", "warm_rps",
    ]

    /// Absent keys keep the healthy defaults.
    init(_ m: ConfigMapping) {
        self.init()
        latencyMs = m["latency_ms"]?.number(in: 0...Double.infinity) ?? latencyMs
        latencySigma = m["latency_sigma"]?.number(in: 0...Double.infinity) ?? latencySigma
        tailProbability = m["tail_probability"]?.number(in: 0...1) ?? tailProbability
        tailFactor = m["tail_factor"]?.number(in: 0...Double.infinity) ?? tailFactor
        errorRate = m["error_rate"]?.number(in: 0...1) ?? errorRate
        timeoutRate = m["timeout_rate"]?.number(in: 0...1) ?? timeoutRate
        clientErrorRate = m["client_error_rate"]?.number(in: 0...1) ?? clientErrorRate
        classes = m["classes"]?.list(of: { $0.number(in: 0...Double.infinity) }) ?? classes
        accuracy = m["accuracy"]?.number(in: 0...1) ?? accuracy
        labelShare = m["label_share"]?.number(in: 0...1) ?? labelShare
        labelDelay = m["label_delay"].flatMap(ScenarioDuration.init) ?? labelDelay
        coldSlowdown = m["cold_slowdown"]?.number(in: 0...10) ?? coldSlowdown
        warmRPS = m["warm_rps"]?.number(in: 0.001...1_000_000) ?? warmRPS
    }
}

extension Trigger {
    static let keys: Set<String> = ["at_step", "after"]

    /// Read from the fault's or action's own mapping (the keys sit beside theirs).
    init(_ m: ConfigMapping) {
        self.init(step: m["at_step"]?.integer(in: 1...1_000).map { Int($0) } ?? 1,
                  after: m["after"].flatMap(ScenarioDuration.init) ?? .init(milliseconds: 0))
    }
}

extension Fault {
    static let keys: Set<String> = Trigger.keys.union([
        "name", "target", "latency_factor", "error_rate", "timeout_rate", "accuracy", "classes", "stall",
    ])

    init(_ m: ConfigMapping) {
        self.init(name: m["name"]?.nonEmptyString() ?? "fault", trigger: Trigger(m))
        target = m["target"]?.oneOf(["canary", "baseline"]) ?? target
        latencyFactor = m["latency_factor"]?.number(in: 0...Double.infinity)
        errorRate = m["error_rate"]?.number(in: 0...1)
        timeoutRate = m["timeout_rate"]?.number(in: 0...1)
        accuracy = m["accuracy"]?.number(in: 0...1)
        classes = m["classes"]?.list(of: { $0.number(in: 0...Double.infinity) })
        stall = m["stall"]?.bool() ?? false
    }
}

extension ScenarioAction {
    static let keys: Set<String> = Trigger.keys.union(["action", "target", "replica", "down_for"])

    init?(_ m: ConfigMapping) {
        guard let kind = m.required("action")?.oneOf(Kind.self) else { return nil }
        self.init(kind: kind, trigger: Trigger(m))
        target = m["target"]?.oneOf(["canary", "baseline"]) ?? target
        replica = m["replica"]?.integer(in: 0...63).map { Int($0) } ?? replica
        downFor = m["down_for"].flatMap(ScenarioDuration.init) ?? downFor
    }
}
