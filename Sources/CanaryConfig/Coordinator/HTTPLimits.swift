import CanaryCore

/// The `http:` keys that bound what one client can hold: read deadlines
/// and the connection limit (CanaryHTTP's `ConnectionPolicy` applies them).
public struct HTTPLimits: Sendable, Equatable {
    /// `header_timeout`: accept (or a next request's first byte) → head complete.
    public var headerTimeoutMs: Int64 = 10_000
    /// `body_timeout`: head → the body's last byte.
    public var bodyTimeoutMs: Int64 = 30_000
    /// `idle_timeout`: a kept-alive connection with nothing in progress.
    public var idleTimeoutMs: Int64 = 75_000
    /// `max_connections`: open connections, event streams included; at most
    /// half the process's file-descriptor limit is used whatever it says.
    public var maxConnections: Int = 1_024

    public init() {}

    static let keys: Set<String> = ["header_timeout", "body_timeout", "idle_timeout", "max_connections"]

    mutating func read(_ http: ConfigMapping) {
        if let ms = http["header_timeout"]?.durationMs(in: 100...600_000) { headerTimeoutMs = ms }
        if let ms = http["body_timeout"]?.durationMs(in: 100...3_600_000) { bodyTimeoutMs = ms }
        if let ms = http["idle_timeout"]?.durationMs(in: 100...3_600_000) { idleTimeoutMs = ms }
        if let count = http["max_connections"]?.integer(in: 8...1_000_000) { maxConnections = Int(count) }
    }

    var yamlLines: [String] {
        [
            "  header_timeout: \(DurationText.text(milliseconds: headerTimeoutMs))",
            "  body_timeout: \(DurationText.text(milliseconds: bodyTimeoutMs))",
            "  idle_timeout: \(DurationText.text(milliseconds: idleTimeoutMs))",
            "  max_connections: \(maxConnections)",
        ]
    }
}

/// Whether an HTTP bind host only accepts connections from this machine.
public enum LoopbackHost {
    public static func contains(_ host: String) -> Bool {
        let host = host.lowercased()
        if host == "localhost" || host == "::1" || host == "[::1]" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
