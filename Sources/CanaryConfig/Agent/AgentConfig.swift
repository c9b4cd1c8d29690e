import CanaryCore
import CanaryShm
import Foundation

/// The agent's configuration (`agent-config/agent.example.yaml` documents
/// every field).
public struct AgentConfig: Sendable, Equatable {
    /// Unique in the fleet; default "<pod or host>/<replica>".
    public var agentID: String
    /// Default: the ring name without its leading slash — unique on a host
    /// (one agent per ring), so two agents on one host never share an id.
    public var replica: String = "0"
    public var model: String
    public var version: String
    /// baseline | canary | control. Baseline and canary are informational
    /// (the plan decides them by version); control marks a replica of the
    /// baseline version serving a plan's control arm: its windows say so.
    public var role: String = "baseline"
    /// POSIX shm name of the sample ring, e.g. /canary.fraud.v2.0.
    public var ringName: String
    /// Records in the ring (power of two) when the agent creates it.
    public var ringCapacity: Int = 1 << 16
    /// Window length, 100 ms … 60 s.
    public var windowMs: Int64 = 1_000
    /// The coordinator's ROUTER and PUB endpoints.
    public var coordinatorRouter: String = "tcp://127.0.0.1:7601"
    public var coordinatorPublisher: String = "tcp://127.0.0.1:7602"
    /// POSIX shm name of the route page routers read.
    public var routePageName: String
    public var histogram: HistogramSettings = .fleetDefault
    /// Fixed edges for score-type predictions (ascending).
    public var scoreBinEdges: [Float] = []
    /// Unacked windows kept for resend; the oldest is dropped when full.
    public var unackedCapacity: Int = 600
    /// Where unacked windows are written before their first send, for a
    /// restarted agent to resend; nil: `/dev/shm/<ring name>.spool`, next to
    /// the ring checkpoint. One directory per agent.
    public var spoolDirectory: String?
    /// Bytes of unacked windows kept (in memory and in the spool); the
    /// oldest are dropped past it, like past `unackedCapacity`.
    public var spoolMaxBytes: Int = 64 << 20
    /// Coordinator silent this long: keep the last split (fail-static) and say so.
    public var coordinatorTimeoutMs: Int64 = 3_000
    /// `labels.horizon`: how long a prediction waits for its late label
    /// (1 s … 7 d; ``LabelJoin``).
    public var labelHorizonMs: Int64 = 600_000
    /// `labels.max_pending`: predictions held for late labels at most
    /// (0 … 100 M; about 120 bytes each; 0: no join, bare labels unmatched).
    public var labelMaxPending: Int = 1_000_000
    /// Run on every split change (weights in CANARY_WEIGHTS etc.).
    public var applyCommand: String?
    /// Written atomically on every split change (JSON).
    public var applyFile: String?
    public var logLevel: String = "info"
    /// Optional `/metrics` + `/healthz` listener, `host:port` (loopback advised).
    public var metricsHost: String?
    public var metricsPort: Int?
    /// CURVE client keys (Security/CurveConfig.swift); nil: plain text, loopback only.
    public var curve: AgentCurveConfig?
    /// Plain text to a non-loopback coordinator, on purpose (logged loudly at every start).
    public var insecure: Bool = false

    public init(agentID: String, model: String, version: String, ringName: String, routePageName: String) {
        self.agentID = agentID
        self.model = model
        self.version = version
        self.ringName = ringName
        self.routePageName = routePageName
    }

    static let keys: Set<String> = [
        "agent_id", "replica", "model", "version", "role", "ring", "window", "coordinator",
        "route_page", "histogram", "score_bin_edges", "unacked_capacity", "spool", "coordinator_timeout",
        "apply_hook", "log_level", "metrics", "curve", "insecure", "labels",
    ]
    /// `environment` supplies `POD_NAME` (Kubernetes' downward API), which
    /// names the default agent id's host part when set: with `hostNetwork`
    /// the host name is the node's, shared by every pod on it.
    public static func parse(yaml: String, file: String, hostName: String = ProcessInfo.processInfo.hostName,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> AgentConfig {
        let document = ConfigDocument(yaml: yaml, file: file, name: "agent config")
        guard let root = document.root(allowed: keys) else { throw document.error }
        // Required values missing are reported like any other issue; the
        // rest of the file is still read so every problem shows at once.
        let model = root.required("model")?.nonEmptyString() ?? ""
        let version = root.required("version")?.nonEmptyString() ?? ""
        let ring = root.required("ring", "the sample ring's name and capacity")?.mapping(allowed: ["name", "capacity"])
        let ringNode = ring?.required("name")
        let ringName = ringNode?.nonEmptyString() ?? ""
        let replica = root["replica"]?.nonEmptyString() ?? String(ringName.drop { $0 == "/" })
        let host = environment["POD_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? hostName
        // One route page per model and host by default, the name a router
        // on any host reads: the agents of that model share it (one writes).
        let routePage = root["route_page"]?.nonEmptyString() ?? Self.defaultRoutePage(model: model)
        var config = AgentConfig(
            agentID: root["agent_id"]?.nonEmptyString() ?? "\(host)/\(replica)",
            model: model, version: version, ringName: ringName, routePageName: routePage)
        config.replica = replica
        if let ringNode, !ringName.isEmpty {
            if SegmentName.problem(ringName) != nil {
                ringNode.segmentName(ringName)
            }
        }
        if let node = root["route_page"] {
            node.segmentName(routePage)
        } else if let node = root["model"], !model.isEmpty {
            node.segmentName(routePage, what: "the route page named after it")
        }
        if let node = ring?["capacity"], let capacity = node.integer(in: 64...(1 << 26)) {
            if capacity & (capacity - 1) == 0 {
                config.ringCapacity = Int(capacity)
            } else {
                node.fail("\(node.path) \(node.quoted) must be a power of two")
            }
        }
        if let role = root["role"]?.oneOf(["baseline", "canary", "control"]) { config.role = role }
        if let ms = root["window"]?.durationMs(in: 100...60_000) { config.windowMs = ms }
        if let coordinator = root.mapping("coordinator", allowed: ["router", "publisher"]) {
            if let router = coordinator["router"]?.endpoint() { config.coordinatorRouter = router }
            if let publisher = coordinator["publisher"]?.endpoint() { config.coordinatorPublisher = publisher }
        }
        config.histogram = HistogramSettings.parse(root.mapping("histogram", allowed: HistogramSettings.configKeys))
        if let node = root["score_bin_edges"], let edges = node.list(of: { $0.number() }) {
            if zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) {
                config.scoreBinEdges = edges.map(Float.init)
            } else {
                node.fail("score_bin_edges must be strictly increasing")
            }
        }
        if let capacity = root["unacked_capacity"]?.integer(in: 1...1_000_000) { config.unackedCapacity = Int(capacity) }
        if let spool = root.mapping("spool", allowed: ["directory", "max_bytes"]) {
            if let directory = spool["directory"]?.nonEmptyString() { config.spoolDirectory = directory }
            if let bytes = spool["max_bytes"]?.integer(in: 65_536...(1 << 40)) { config.spoolMaxBytes = Int(bytes) }
        }
        if let ms = root["coordinator_timeout"]?.durationMs(in: 500...600_000) { config.coordinatorTimeoutMs = ms }
        if let labels = root.mapping("labels", allowed: ["horizon", "max_pending"]) {
            if let ms = labels["horizon"]?.durationMs(in: 1_000...604_800_000) { config.labelHorizonMs = ms }
            if let count = labels["max_pending"]?.integer(in: 0...100_000_000) { config.labelMaxPending = Int(count) }
        }
        if let hook = root.mapping("apply_hook", allowed: ["command", "file"]) {
            config.applyCommand = hook["command"]?.string()
            config.applyFile = hook["file"]?.string()
        }
        if let level = root["log_level"]?.oneOf(LogLevelName.all) { config.logLevel = level }
        if let node = root["metrics"], let address = node.string() {
            if let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
               (0...65_535).contains(port), colon != address.startIndex {
                config.metricsHost = String(address[..<colon])
                config.metricsPort = port
            } else {
                node.fail("metrics must be host:port (e.g. 127.0.0.1:9464), got \(node.quoted)")
            }
        }
        config.curve = AgentCurveConfig.parse(root.mapping("curve", allowed: AgentCurveConfig.keys))
        if let insecure = root["insecure"]?.bool() { config.insecure = insecure }
        try document.finish()
        return config
    }

    /// Why this configuration must not start (a coordinator endpoint off
    /// loopback with neither keys nor `insecure: true`), or nil.
    public var transportSecurityError: TransportSecurityError? {
        TransportSecurityError.check(endpoints: [coordinatorRouter, coordinatorPublisher], hasKeys: curve != nil,
                                     insecure: insecure, process: "agent")
    }

    /// A short fingerprint of the effective configuration (FNV-1a 64, hex),
    /// sent in `Hello` so operators can spot agents running another config.
    public var digest: String {
        let text = [agentID, replica, model, version, role, ringName, String(ringCapacity), String(windowMs),
                    coordinatorRouter, coordinatorPublisher, routePageName, histogram.description,
                    scoreBinEdges.map { "\($0)" }.joined(separator: ","), String(unackedCapacity),
                    spoolDirectory ?? "", String(spoolMaxBytes),
                    String(coordinatorTimeoutMs), String(labelHorizonMs), String(labelMaxPending), applyCommand ?? "", applyFile ?? "",
                    curve.map { "curve:\($0.coordinatorKeyFile)" } ?? (insecure ? "insecure" : "")].joined(separator: "\u{1f}")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `/canary.<model>.route`: the route page every agent of `model` on a
    /// host shares and every router of that host reads (README "Routing in
    /// your server"). Bytes other than letters, digits, `.`, `_` and `-`
    /// become `_`.
    public static func defaultRoutePage(model: String) -> String {
        let safe = model.unicodeScalars.map { scalar -> String in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar)) || "._-".unicodeScalars.contains(scalar))
                ? String(scalar) : "_"
        }.joined()
        return "/canary.\(safe).route"
    }

    public static func load(path: String) throws(ConfigError) -> AgentConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(file: path, message: "cannot read the file")
        }
        return try parse(yaml: text, file: path)
    }
}
