import CanaryConfig
import CanarySimulator
import Foundation

/// CURVE for the demo, as an operator would set it up: `canary keygen` (the
/// same executable, as a child process) writes a key pair for the
/// coordinator and one per agent into the run directory, and the
/// allow-list binds each agent key to its agent id, the model and its
/// replica's version. The coordinator's config names its key and the list;
/// each agent's names its own key and the coordinator's public one.
struct DemoKeys {
    let directory: String
    let coordinatorConfigPath: String
    private let agentKeys: [String: AgentCurveConfig]

    /// Generates every key (one `canary keygen` per pair) and writes the
    /// allow-list and the coordinator's config.
    static func make(executable: String, runDirectory: String, model: String,
                     agents: [(agentID: String, version: String)]) async throws -> DemoKeys {
        let directory = runDirectory + "/keys"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try await keygen(executable: executable, base: directory + "/coordinator", log: directory + "/keygen.log")
        var allowList = "# The demo's agent keys, each bound to one agent id, the model and its replica's version.\n"
        var agentKeys: [String: AgentCurveConfig] = [:]
        for agent in agents {
            let base = directory + "/" + agent.agentID
            try await keygen(executable: executable, base: base, log: directory + "/keygen.log")
            allowList += AllowList.entryYAML(name: agent.agentID, keyFile: (base as NSString).lastPathComponent + ".pub",
                                             agent: agent.agentID, model: model, versions: [agent.version])
            agentKeys[agent.agentID] = AgentCurveConfig(secretKeyFile: base + ".key", coordinatorKeyFile: directory + "/coordinator.pub")
        }
        let allowListPath = directory + "/allow-list.yaml"
        try allowList.write(toFile: allowListPath, atomically: true, encoding: .utf8)
        var config = CoordinatorConfig()
        config.curve = CoordinatorCurveConfig(secretKeyFile: directory + "/coordinator.key", allowList: allowListPath)
        let configPath = runDirectory + "/coordinator.yaml"
        try config.yaml().write(toFile: configPath, atomically: true, encoding: .utf8)
        return DemoKeys(directory: directory, coordinatorConfigPath: configPath, agentKeys: agentKeys)
    }

    func agent(_ agentID: String) -> AgentCurveConfig? { agentKeys[agentID] }

    var count: Int { agentKeys.count }

    private static func keygen(executable: String, base: String, log: String) async throws {
        let child = try ChildProcess.spawn(name: "keygen", executable: executable, arguments: ["keygen", base], logPath: log)
        guard await child.wait(timeout: .seconds(20)) else {
            await child.stop()
            throw DemoError("canary keygen \(base) did not finish within 20 s; see \(log)")
        }
        do {
            _ = try KeyFile.readSecret(base + ".key")
            _ = try KeyFile.readPublic(base + ".pub")
        } catch {
            throw DemoError("canary keygen \(base) did not write its key pair (\(error)); see \(log):\n\(child.logTail())")
        }
    }
}
