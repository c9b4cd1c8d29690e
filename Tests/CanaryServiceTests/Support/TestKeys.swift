import CanaryConfig
import Foundation
import ZeroMQ

/// Key files for CURVE tests, as `canary keygen` writes them, in a temp
/// directory of their own, plus the allow-list file the coordinator reads.
struct TestKeys {
    let directory: String
    let coordinator: CurveKeyPair
    var allowListPath: String { directory + "/allow-list.yaml" }

    init() throws {
        directory = Unique.directory()
        coordinator = try CurveKeyPair.generate()
        _ = try KeyFile.writePair(publicKey: coordinator.publicKey, secretKey: coordinator.secretKey,
                                  base: directory + "/coordinator", force: false, comment: "test")
        try "[]\n".write(toFile: allowListPath, atomically: true, encoding: .utf8)
    }

    /// A new key pair written as `<name>.pub` / `<name>.key`.
    func pair(_ name: String) throws -> CurveKeyPair {
        let pair = try CurveKeyPair.generate()
        _ = try KeyFile.writePair(publicKey: pair.publicKey, secretKey: pair.secretKey, base: directory + "/" + name,
                                  force: true, comment: "test")
        return pair
    }

    struct Binding {
        var name: String
        var key: String
        var agent: String
        var model: String
        var versions: [String]
    }

    /// Writes the allow-list (replacing it: the coordinator notices the change).
    func allow(_ bindings: [Binding], extra: String = "") throws {
        var text = "# test allow-list\n"
        for binding in bindings {
            text += """
                - name: \(binding.name)
                  key: "\(binding.key)"
                  agent: "\(binding.agent)"
                  model: "\(binding.model)"
                  versions: [\(binding.versions.map { "\"\($0)\"" }.joined(separator: ", "))]

                """
        }
        try (text + extra).write(toFile: allowListPath, atomically: true, encoding: .utf8)
    }

    func coordinatorConfig(reloadCheckMs: Int64 = 100, agentsPerKey: Int = 64) -> CoordinatorCurveConfig {
        var config = CoordinatorCurveConfig(secretKeyFile: directory + "/coordinator.key", allowList: allowListPath)
        config.reloadCheckMs = reloadCheckMs
        config.agentsPerKey = agentsPerKey
        return config
    }

    func agentConfig(_ name: String) -> AgentCurveConfig {
        AgentCurveConfig(secretKeyFile: directory + "/\(name).key", coordinatorKeyFile: directory + "/coordinator.pub")
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

/// A hand-made peer of the coordinator's ROUTER (a DEALER), with or without
/// CURVE keys: what an attacker on the network would run.
final class ForgedAgent: @unchecked Sendable {  // used from one test task at a time, calls serialised
    let context: ZeroMQContext
    let socket: Socket

    init(router: String, serverKey: String? = nil, keyPair: CurveKeyPair? = nil) throws {
        context = try ZeroMQContext()
        socket = try Socket(context, .dealer)
        try socket.set(.linger, .milliseconds(100))
        try socket.set(.receiveTimeout, .milliseconds(300))
        if let serverKey, let keyPair { try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair) }
        try socket.connect(router)
    }

    func send(_ frames: [[UInt8]]) throws { try socket.send(multipart: frames, nonBlocking: true) }

    /// Waits up to the receive timeout (300 ms) on a thread of its own: a
    /// blocking zmq call on the cooperative pool would starve the in-process
    /// coordinator the test talks to.
    func receive() async -> [[UInt8]]? {
        let socket = UncheckedSocket(socket: socket)
        return (try? await onThread { try? socket.socket.receiveMultipart() }) ?? nil
    }

    func close() {
        socket.close()
        context.terminate()
    }
}

/// Hands the forged peer's socket to one helper thread at a time (calls are serialised by the test).
struct UncheckedSocket: @unchecked Sendable {
    let socket: Socket
}
