import CanaryConfig
import Foundation
import ZeroMQ

/// CURVE for a fan-in run: the coordinator's key pair and one agent key
/// shared by the simulated agents and the probe (bound to `*` for the bench
/// model, with a per-key agent limit above the run's agent count), written
/// as the files and config a deployment would have.
struct BenchKeys: Sendable {
    let coordinator: CurveKeyPair
    let agent: CurveKeyPair
    let configPath: String

    static func make(directory: URL, agents: Int) throws -> BenchKeys {
        let coordinator = try CurveKeyPair.generate(), agent = try CurveKeyPair.generate()
        let base = directory.path
        _ = try KeyFile.writePair(publicKey: coordinator.publicKey, secretKey: coordinator.secretKey,
                                  base: base + "/coordinator", force: true, comment: "fanin-bench")
        _ = try KeyFile.writePair(publicKey: agent.publicKey, secretKey: agent.secretKey, base: base + "/agents",
                                  force: true, comment: "fanin-bench")
        try AllowList.entryYAML(name: "bench-agents", keyFile: "agents.pub", agent: "*", model: WindowFactory.model, versions: ["*"])
            .write(toFile: base + "/allow-list.yaml", atomically: true, encoding: .utf8)
        var config = CoordinatorConfig()
        var curve = CoordinatorCurveConfig(secretKeyFile: base + "/coordinator.key", allowList: base + "/allow-list.yaml")
        curve.agentsPerKey = agents + 100
        config.curve = curve
        let configPath = base + "/coordinator.yaml"
        try config.yaml().write(toFile: configPath, atomically: true, encoding: .utf8)
        return BenchKeys(coordinator: coordinator, agent: agent, configPath: configPath)
    }

    /// Makes `socket` a CURVE client of the coordinator. Call before `connect`.
    func secure(_ socket: Socket) throws {
        try socket.makeCurveClient(serverKey: coordinator.publicKey, keyPair: agent)
    }
}
