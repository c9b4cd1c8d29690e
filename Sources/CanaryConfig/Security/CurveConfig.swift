import Foundation

/// The agent's CURVE settings (`curve:` in the agent config): its own
/// secret key file (the public key is derived from it) and the
/// coordinator's public key file. With them the agent talks to nobody but
/// the holder of the coordinator's secret key, on both sockets.
public struct AgentCurveConfig: Sendable, Equatable {
    public var secretKeyFile: String
    public var coordinatorKeyFile: String

    public init(secretKeyFile: String, coordinatorKeyFile: String) {
        self.secretKeyFile = secretKeyFile
        self.coordinatorKeyFile = coordinatorKeyFile
    }

    static let keys: Set<String> = ["secret_key_file", "coordinator_key_file", "secret_key", "coordinator_key"]

    /// Reads the mapping, and the key files it names (so a missing or open
    /// file is reported at its line, not at start).
    static func parse(_ node: ConfigMapping?) -> AgentCurveConfig? {
        guard let node else { return nil }
        CurveConfigReading.refuseInline(node, "secret_key", file: "secret_key_file")
        if let inline = node["coordinator_key"] {
            inline.fail("curve.coordinator_key: name the coordinator's public key file with curve.coordinator_key_file (written by 'canary keygen')")
        }
        let secret = CurveConfigReading.keyFile(node.required("secret_key_file", "this agent's secret key file, from 'canary keygen'"), secret: true)
        let coordinator = CurveConfigReading.keyFile(node.required("coordinator_key_file", "the coordinator's public key file"), secret: false)
        guard let secret, let coordinator else { return nil }
        return AgentCurveConfig(secretKeyFile: secret, coordinatorKeyFile: coordinator)
    }
}

/// The coordinator's CURVE settings (`curve:` in the coordinator config):
/// its secret key file, the allow-list of agent keys (a file, or a
/// directory of `*.yaml` files) and how many agents one key may speak for.
public struct CoordinatorCurveConfig: Sendable, Equatable {
    public var secretKeyFile: String
    public var allowList: String
    /// Agent ids one key may report for at once; a new one beyond it evicts
    /// the key's longest-silent stale agent, or is refused when all are live.
    public var agentsPerKey: Int = 64
    /// How often the allow-list's files are checked for changes (SIGHUP
    /// re-reads at once).
    public var reloadCheckMs: Int64 = 1_000

    public init(secretKeyFile: String, allowList: String) {
        self.secretKeyFile = secretKeyFile
        self.allowList = allowList
    }

    static let keys: Set<String> = ["secret_key_file", "allow_list", "agents_per_key", "reload_check", "secret_key"]

    static func parse(_ node: ConfigMapping?) -> CoordinatorCurveConfig? {
        guard let node else { return nil }
        CurveConfigReading.refuseInline(node, "secret_key", file: "secret_key_file")
        let secret = CurveConfigReading.keyFile(node.required("secret_key_file", "the coordinator's secret key file, from 'canary keygen'"), secret: true)
        var allowList: String?
        if let list = node.required("allow_list", "the agent keys allowed to connect: a file or a directory of *.yaml files"),
           let path = list.nonEmptyString() {
            if FileManager.default.fileExists(atPath: path) {
                allowList = path
            } else {
                list.fail("curve.allow_list '\(path)' does not exist (a file or a directory of *.yaml allow-list files)")
            }
        }
        guard let secret, let allowList else { return nil }
        var config = CoordinatorCurveConfig(secretKeyFile: secret, allowList: allowList)
        if let count = node["agents_per_key"]?.integer(in: 1...100_000) { config.agentsPerKey = Int(count) }
        if let ms = node["reload_check"]?.durationMs(in: 100...600_000) { config.reloadCheckMs = ms }
        return config
    }
}

enum CurveConfigReading {
    /// An inline secret key (`secret_key: …`) is an error, never read.
    static func refuseInline(_ node: ConfigMapping, _ key: String, file: String) {
        node[key]?.fail("curve.\(key): secret keys are never written in a config file; put it in a file of mode 0600 ('canary keygen' writes one) and name that file with curve.\(file)")
    }

    /// A key file path, checked by reading it; a value that is itself a key
    /// (someone pasted the secret) is refused without echoing it.
    static func keyFile(_ node: ConfigNode?, secret: Bool) -> String? {
        guard let node, let path = node.nonEmptyString() else { return nil }
        if KeyFile.looksLikeKey(path) && !FileManager.default.fileExists(atPath: path) {
            node.fail("\(node.path) looks like a key, not a file name: keys are never written in a config file; "
                + "put it in a file ('canary keygen' writes them) and name that file here")
            return nil
        }
        do {
            _ = secret ? try KeyFile.readSecret(path) : try KeyFile.readPublic(path)
        } catch {
            node.fail("\(node.path): \(error)")
            return nil
        }
        return path
    }
}

/// Why a process refuses to speak plain text: an endpoint that leaves the
/// host, no keys, and no explicit `insecure: true`.
public struct TransportSecurityError: Error, Sendable, Equatable, CustomStringConvertible {
    public let endpoints: [String]
    public let process: String

    public init(endpoints: [String], process: String) {
        self.endpoints = endpoints
        self.process = process
    }

    public var description: String {
        "\(process) refuses to start: \(endpoints.joined(separator: ", ")) \(endpoints.count == 1 ? "is" : "are") not loopback and no CURVE keys are configured, "
            + "so anyone on the network could \(process == "coordinator" ? "pose as an agent" : "pose as the coordinator"); "
            + "configure curve: (see 'canary keygen' and README § Security), or set insecure: true to run in plain text on purpose"
    }

    /// The check both processes run at start: nil when keys are set, every
    /// endpoint is loopback, or `insecure` says plain text is intended.
    public static func check(endpoints: [String], hasKeys: Bool, insecure: Bool, process: String) -> TransportSecurityError? {
        let exposed = EndpointScope.exposed(endpoints)
        guard !hasKeys, !insecure, !exposed.isEmpty else { return nil }
        return TransportSecurityError(endpoints: exposed, process: process)
    }
}
