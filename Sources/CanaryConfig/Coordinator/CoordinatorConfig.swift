import CanaryCore
import Foundation

/// The coordinator's configuration (`agent-config/coordinator.example.yaml`
/// documents every field).
public struct CoordinatorConfig: Sendable, Equatable {
    /// ZeroMQ endpoint the ROUTER binds (agents' DEALERs connect to it).
    public var routerEndpoint: String = "tcp://127.0.0.1:7601"
    /// ZeroMQ endpoint the PUB binds (agents' SUBs connect to it).
    public var publishEndpoint: String = "tcp://127.0.0.1:7602"
    /// HTTP API, dashboard and /metrics. Loopback unless told otherwise.
    public var httpHost: String = "127.0.0.1"
    /// 0 lets the OS pick (tests); the chosen port is logged and reported.
    public var httpPort: Int = 7600
    /// SQLite journal path.
    public var journalPath: String = "canary-journal.sqlite"
    /// An agent silent this long is stale: its windows are left out.
    public var staleAfterMs: Int64 = 3_000
    /// An agent silent this long leaves the fleet: no longer listed, and no
    /// rollout waits for it (a stale agent is still expected back).
    public var forgetAfterMs: Int64 = 300_000
    /// How often the rollout engine ticks (deadlines, bake time, staleness).
    public var tickMs: Int64 = 200
    /// How often the full route table is re-published (heartbeat), at most 1 s.
    public var republishMs: Int64 = 1_000
    /// Frames above this are dropped by libzmq before they are buffered.
    public var maxMessageBytes: Int64 = 2 << 20
    /// The fleet-wide histogram setting.
    public var histogram: HistogramSettings = .fleetDefault
    /// Read deadlines and the connection limit (`http.header_timeout`, …).
    public var httpLimits = HTTPLimits()
    /// Bearer token required by mutating HTTP calls and by the reads that
    /// reveal the fleet; nil = no token (only allowed on a loopback host).
    public var apiToken: String?
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// Where decisions are announced (Notify/WebhookConfig.swift).
    public var webhooks: [WebhookConfig] = []
    /// CURVE on the ROUTER and the PUB with an allow-list of agent keys
    /// (Security/CurveConfig.swift); nil: plain text, loopback only.
    public var curve: CoordinatorCurveConfig?
    /// Plain text on a non-loopback endpoint, on purpose (logged loudly at every start).
    public var insecure: Bool = false
    /// Bounds on windows and on fleet state (FleetLimits.swift).
    public var limits = FleetLimits()

    public init() {}

    static let keys: Set<String> = [
        "router", "publisher", "http", "journal", "stale_after", "forget_after", "tick", "republish",
        "max_message_bytes", "histogram", "api_token", "api_token_file", "log_level",
        "webhooks", "curve", "insecure", "limits",
    ]

    /// Parses a configuration file's text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> CoordinatorConfig {
        let document = ConfigDocument(yaml: yaml, file: file, name: "coordinator config")
        guard let root = document.root(allowed: keys) else { throw document.error }
        var config = CoordinatorConfig()
        if let value = root["router"]?.endpoint() { config.routerEndpoint = value }
        if let value = root["publisher"]?.endpoint() { config.publishEndpoint = value }
        if let http = root.mapping("http", allowed: HTTPLimits.keys.union(["host", "port"])) {
            if let host = http["host"]?.nonEmptyString() { config.httpHost = host }
            if let port = http["port"]?.integer(in: 0...65_535) { config.httpPort = Int(port) }
            config.httpLimits.read(http)
        }
        if let journal = root["journal"]?.nonEmptyString() { config.journalPath = journal }
        if let ms = root["stale_after"]?.durationMs(in: 200...600_000) { config.staleAfterMs = ms }
        if let node = root["forget_after"], let ms = node.durationMs(in: 1_000...604_800_000) {
            if ms > config.staleAfterMs {
                config.forgetAfterMs = ms
            } else {
                node.fail("forget_after (\(DurationText.text(milliseconds: ms))) must be longer than stale_after (\(DurationText.text(milliseconds: config.staleAfterMs))): an agent is stale first, and forgotten only if it stays silent")
            }
        } else if root["forget_after"] == nil, config.forgetAfterMs <= config.staleAfterMs {
            root.fail(at: "stale_after", "stale_after (\(DurationText.text(milliseconds: config.staleAfterMs))) must be shorter than forget_after (default \(DurationText.text(milliseconds: config.forgetAfterMs))); set forget_after longer than it")
        }
        if let ms = root["tick"]?.durationMs(in: 10...10_000) { config.tickMs = ms }
        if let ms = root["republish"]?.durationMs(in: 50...1_000) { config.republishMs = ms }
        if let bytes = root["max_message_bytes"]?.integer(in: 4_096...(64 << 20)) { config.maxMessageBytes = bytes }
        config.histogram = HistogramSettings.parse(root.mapping("histogram", allowed: HistogramSettings.configKeys))
        if let node = root["api_token"], let token = node.string() {
            if token.isEmpty { node.fail("api_token must not be empty (leave it out, or prefer api_token_file)") }
            config.apiToken = token.isEmpty ? nil : token
        }
        if let node = root["api_token_file"], let path = node.string() {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if token.isEmpty { node.fail("the token file '\(path)' is empty") }
                config.apiToken = token.isEmpty ? nil : token
            } else {
                node.fail("cannot read the token file '\(path)'")
            }
        }
        if let issue = config.missingTokenIssue {
            root.fail(at: "http", issue)
        }
        if let level = root["log_level"]?.oneOf(LogLevelName.all) { config.logLevel = level }
        config.limits = FleetLimits.parse(root.mapping("limits", allowed: FleetLimits.configKeys))
        config.webhooks = root.mappings("webhooks", allowed: WebhookConfig.keys)?.compactMap(WebhookConfig.init) ?? []
        config.curve = CoordinatorCurveConfig.parse(root.mapping("curve", allowed: CoordinatorCurveConfig.keys))
        if let insecure = root["insecure"]?.bool() { config.insecure = insecure }
        if config.routerEndpoint == config.publishEndpoint {
            root.fail(at: "publisher", "router and publisher must be different endpoints")
        }
        try document.finish()
        return config
    }

    /// Why this configuration must not start (an endpoint off loopback with
    /// neither keys nor `insecure: true`), or nil.
    public var transportSecurityError: TransportSecurityError? {
        TransportSecurityError.check(endpoints: [routerEndpoint, publishEndpoint], hasKeys: curve != nil,
                                     insecure: insecure, process: "coordinator")
    }

    /// Why this configuration must not run: an HTTP API reachable from
    /// other machines with no token would let anyone who reaches the port
    /// steer rollouts and read the fleet. nil when it may.
    public var missingTokenIssue: String? {
        guard apiToken == nil, !LoopbackHost.contains(httpHost) else { return nil }
        return "http.host '\(httpHost)' is not a loopback address, so the API needs a token: "
            + "set api_token_file (a file holding the token; or api_token inline), or bind http.host to 127.0.0.1"
    }

    public static func load(path: String) throws(ConfigError) -> CoordinatorConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(file: path, message: "cannot read the file")
        }
        return try parse(yaml: text, file: path)
    }
}
