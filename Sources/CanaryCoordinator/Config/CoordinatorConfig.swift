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
    /// How often the rollout engine ticks (deadlines, bake time, staleness).
    public var tickMs: Int64 = 200
    /// How often the full route table is re-published (heartbeat), at most 1 s.
    public var republishMs: Int64 = 1_000
    /// Frames above this are dropped by libzmq before they are buffered.
    public var maxMessageBytes: Int64 = 2 << 20
    /// The fleet-wide histogram setting.
    public var histogram: HistogramSettings = .fleetDefault
    /// Bearer token required by mutating HTTP calls; nil = no token (loopback use).
    public var apiToken: String?
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String = "info"
    /// Where decisions are announced (Notify/WebhookConfig.swift).
    public var webhooks: [WebhookConfig] = []

    public init() {}

    static let keys: Set<String> = [
        "router", "publisher", "http", "journal", "stale_after", "tick", "republish",
        "max_message_bytes", "histogram", "api_token", "api_token_file", "log_level",
        "webhooks",
    ]

    /// Parses a configuration file's text; `file` names it in errors.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> CoordinatorConfig {
        let root = try ConfigMapping.root(yaml: yaml, file: file, allowed: keys)
        var config = CoordinatorConfig()
        if let value = try root.string("router") { config.routerEndpoint = try endpoint(value, root, "router") }
        if let value = try root.string("publisher") { config.publishEndpoint = try endpoint(value, root, "publisher") }
        if let http = try root.mapping("http", allowed: ["host", "port"]) {
            if let host = try http.string("host") { config.httpHost = host }
            if let port = try http.integer("port", in: 0...65_535) { config.httpPort = Int(port) }
        }
        if let journal = try root.string("journal") { config.journalPath = journal }
        if let ms = try root.durationMs("stale_after", in: 200...600_000) { config.staleAfterMs = ms }
        if let ms = try root.durationMs("tick", in: 10...10_000) { config.tickMs = ms }
        if let ms = try root.durationMs("republish", in: 50...1_000) { config.republishMs = ms }
        if let bytes = try root.integer("max_message_bytes", in: 4_096...(64 << 20)) { config.maxMessageBytes = bytes }
        config.histogram = try HistogramSettings.parse(root.mapping("histogram", allowed: HistogramSettings.configKeys))
        if let token = try root.string("api_token") { config.apiToken = token }
        if let path = try root.string("api_token_file") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw root.error(at: "api_token_file", "cannot read the token file '\(path)'")
            }
            config.apiToken = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let level = try root.string("log_level") {
            guard LogLevelName.all.contains(level) else {
                throw root.error(at: "log_level", "log_level must be one of \(LogLevelName.all.joined(separator: ", ")), got '\(level)'")
            }
            config.logLevel = level
        }
        config.webhooks = try WebhookConfig.parseList(yaml: yaml, file: file)
        guard config.routerEndpoint != config.publishEndpoint else {
            throw root.error(at: "publisher", "router and publisher must be different endpoints")
        }
        return config
    }

    public static func load(path: String) throws(ConfigError) -> CoordinatorConfig {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(file: path, message: "cannot read the file")
        }
        return try parse(yaml: text, file: path)
    }

    static func endpoint(_ value: String, _ root: ConfigMapping, _ key: String) throws(ConfigError) -> String {
        let schemes = ["tcp://", "ipc://", "inproc://"]
        guard schemes.contains(where: value.hasPrefix) else {
            throw root.error(at: key, "'\(key)' must be a ZeroMQ endpoint (tcp://host:port, ipc://path), got '\(value)'")
        }
        return value
    }
}

/// The log level names swift-log knows.
public enum LogLevelName {
    public static let all = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
}
