import CanaryCore
import Foundation

/// The agent's configuration (`agent-config/agent.example.yaml` documents
/// every field).
public struct AgentConfig: Sendable, Equatable {
    /// Unique in the fleet; default "<host>/<replica>".
    public var agentID: String
    public var replica: String = "0"
    public var model: String
    public var version: String
    /// baseline | canary — informational; the plan decides roles.
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
    /// Coordinator silent this long: keep the last split (fail-static) and say so.
    public var coordinatorTimeoutMs: Int64 = 3_000
    /// Run on every split change (weights in CANARY_WEIGHTS etc.).
    public var applyCommand: String?
    /// Written atomically on every split change (JSON).
    public var applyFile: String?
    public var logLevel: String = "info"
    /// Optional `/metrics` + `/healthz` listener, `host:port` (loopback advised).
    public var metricsHost: String?
    public var metricsPort: Int?

    public init(agentID: String, model: String, version: String, ringName: String, routePageName: String) {
        self.agentID = agentID
        self.model = model
        self.version = version
        self.ringName = ringName
        self.routePageName = routePageName
    }

    static let keys: Set<String> = [
        "agent_id", "replica", "model", "version", "role", "ring", "window", "coordinator",
        "route_page", "histogram", "score_bin_edges", "unacked_capacity", "coordinator_timeout",
        "apply_hook", "log_level", "metrics",
    ]

    public static func parse(yaml: String, file: String, hostName: String = ProcessInfo.processInfo.hostName) throws(ConfigError) -> AgentConfig {
        let root = try ConfigMapping.root(yaml: yaml, file: file, allowed: keys)
        let model = try root.requiredString("model")
        let version = try root.requiredString("version")
        let replica = try root.string("replica") ?? "0"
        guard let ring = try root.mapping("ring", allowed: ["name", "capacity"]) else {
            throw root.error(at: "ring", "missing required key 'ring' (the sample ring's name and capacity)")
        }
        let ringName = try ring.requiredString("name")
        // One route page per agent by default: the page has a single writer.
        let routePage = try root.string("route_page") ?? "\(ringName).route"
        var config = AgentConfig(
            agentID: try root.string("agent_id") ?? "\(hostName)/\(replica)",
            model: model, version: version, ringName: ringName, routePageName: routePage)
        config.replica = replica
        for name in [ringName, routePage] where !name.hasPrefix("/") || name.dropFirst().contains("/") || name.count > 250 {
            throw root.error(at: name == ringName ? "ring" : "route_page",
                             "shared-memory names must start with '/' and contain no other '/', got '\(name)'")
        }
        if let capacity = try ring.integer("capacity", in: 64...(1 << 26)) {
            guard capacity & (capacity - 1) == 0 else {
                throw ring.error(at: "capacity", "ring.capacity must be a power of two, got \(capacity)")
            }
            config.ringCapacity = Int(capacity)
        }
        if let role = try root.string("role") {
            guard ["baseline", "canary"].contains(role) else {
                throw root.error(at: "role", "role must be baseline or canary, got '\(role)'")
            }
            config.role = role
        }
        if let ms = try root.durationMs("window", in: 100...60_000) { config.windowMs = ms }
        if let coordinator = try root.mapping("coordinator", allowed: ["router", "publisher"]) {
            if let router = try coordinator.string("router") { config.coordinatorRouter = router }
            if let publisher = try coordinator.string("publisher") { config.coordinatorPublisher = publisher }
        }
        config.histogram = try HistogramSettings.parse(root.mapping("histogram", allowed: HistogramSettings.configKeys))
        if let edges = try root.numberList("score_bin_edges") {
            guard zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw root.error(at: "score_bin_edges", "score_bin_edges must be strictly increasing")
            }
            config.scoreBinEdges = edges.map(Float.init)
        }
        if let capacity = try root.integer("unacked_capacity", in: 1...1_000_000) { config.unackedCapacity = Int(capacity) }
        if let ms = try root.durationMs("coordinator_timeout", in: 500...600_000) { config.coordinatorTimeoutMs = ms }
        if let hook = try root.mapping("apply_hook", allowed: ["command", "file"]) {
            config.applyCommand = try hook.string("command")
            config.applyFile = try hook.string("file")
        }
        if let level = try root.string("log_level") { config.logLevel = level }
        if let address = try root.string("metrics") {
            guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
                  (0...65_535).contains(port), colon != address.startIndex else {
                throw root.error(at: "metrics", "metrics must be host:port (e.g. 127.0.0.1:9464), got '\(address)'")
            }
            config.metricsHost = String(address[..<colon])
            config.metricsPort = port
        }
        return config
    }

    /// A short fingerprint of the effective configuration (FNV-1a 64, hex),
    /// sent in `Hello` so operators can spot agents running another config.
    public var digest: String {
        let text = [agentID, replica, model, version, role, ringName, String(ringCapacity), String(windowMs),
                    coordinatorRouter, coordinatorPublisher, routePageName, histogram.description,
                    scoreBinEdges.map { "\($0)" }.joined(separator: ","), String(unackedCapacity),
                    String(coordinatorTimeoutMs), applyCommand ?? "", applyFile ?? ""].joined(separator: "\u{1f}")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func load(path: String) throws(ConfigError) -> AgentConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(file: path, message: "cannot read the file")
        }
        return try parse(yaml: text, file: path)
    }
}
