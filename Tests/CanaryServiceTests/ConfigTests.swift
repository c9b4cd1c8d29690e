import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import Foundation
import Testing

/// Configurations: the shipped examples parse, and every kind of mistake is
/// refused with the file, the line and a sentence naming the key.
@Suite("Configurations")
struct ConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("the example configurations parse")
    func examples() throws {
        let coordinator = try CoordinatorConfig.load(path: Self.root.appendingPathComponent("agent-config/coordinator.example.yaml").path)
        #expect(coordinator.routerEndpoint == "tcp://127.0.0.1:7601")
        #expect(coordinator.staleAfterMs == 3_000)
        #expect(coordinator.forgetAfterMs == 300_000)
        #expect(coordinator.histogram == .fleetDefault)
        let agent = try AgentConfig.load(path: Self.root.appendingPathComponent("agent-config/agent.example.yaml").path)
        #expect(agent.model == "fraud-model")
        #expect(agent.windowMs == 1_000)
        #expect(agent.scoreBinEdges.count == 9)
        #expect(agent.routePageName == "/canary.fraud-model.route", "the shared per-model page by default")
    }

    @Test("agent defaults: id from host and replica, route page /canary.<model>.route")
    func agentDefaults() throws {
        let config = try AgentConfig.parse(yaml: "model: m\nversion: v1\nring: {name: /r1}\nreplica: '3'\n", file: "a.yaml", hostName: "h")
        #expect(config.agentID == "h/3")
        #expect(config.routePageName == "/canary.m.route")
        #expect(AgentConfig.defaultRoutePage(model: "fraud/détecteur v2") == "/canary.fraud_d_tecteur_v2.route")
        #expect(config.ringCapacity == 65_536)
    }

    @Test("agent defaults give every agent on a host its own id: the replica is the ring's name, the host part POD_NAME when set")
    func agentDefaultsAreUnique() throws {
        let yaml = { (ring: String) in "model: m\nversion: v1\nring: {name: \(ring)}\n" }
        let one = try AgentConfig.parse(yaml: yaml("/canary.m.v1.0"), file: "a.yaml", hostName: "h", environment: [:])
        let two = try AgentConfig.parse(yaml: yaml("/canary.m.v1.1"), file: "b.yaml", hostName: "h", environment: [:])
        #expect(one.agentID == "h/canary.m.v1.0" && two.agentID == "h/canary.m.v1.1")
        let pod = try AgentConfig.parse(yaml: yaml("/canary.m.v1.0"), file: "a.yaml", hostName: "node-7", environment: ["POD_NAME": "fraud-7d9f-x2k"])
        #expect(pod.agentID == "fraud-7d9f-x2k/canary.m.v1.0")
        // The shipped example sets no replica: two copies with their own rings get their own ids.
        let example = try String(contentsOfFile: Self.root.appendingPathComponent("agent-config/agent.example.yaml").path, encoding: .utf8)
        let config = try AgentConfig.parse(yaml: example, file: "agent.example.yaml", hostName: "h", environment: [:])
        #expect(config.agentID == "h/" + config.ringName.dropFirst())
    }

    @Test("bad agent configurations name the file, line and cause", arguments: [
        ("model: m\nversion: v\nring: {name: /r}\nwindwo: 1s\n", 4, "unknown key 'windwo'"),
        ("model: m\nversion: v\nring: {name: /r, capacity: 1000}\n", 3, "power of two"),
        ("model: m\nversion: v\nring: {name: r}\n", 3, "must start with '/'"),
        ("model: m\nversion: v\nring: {name: /r}\nwindow: 5ms\n", 4, "between 100 ms"),
        ("model: m\nversion: v\nring: {name: /r}\nwindow: soon\n", 4, "duration"),
        ("model: m\nversion: v\nring: {name: /r}\nrole: shadow\n", 4, "baseline, canary, control"),
        ("model: m\nversion: v\nring: {name: /r}\nscore_bin_edges: [0.5, 0.2]\n", 4, "strictly increasing"),
        ("model: m\nversion: v\nring: {name: /r}\nhistogram: {significant_digits: 9}\n", 4, "between 1 and 5"),
        ("version: v\nring: {name: /r}\n", 1, "missing required key 'model'"),
        ("model: m\nversion: v\n", 1, "ring"),
        ("model: [m\n", 0, "not valid YAML"),
        ("", 0, "empty"),
    ])
    func badAgent(yaml: String, line: Int, fragment: String) {
        #expect {
            _ = try AgentConfig.parse(yaml: yaml, file: "agent.yaml", hostName: "h")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.file == "agent.yaml" && error.line == line && error.description.contains(fragment)
        }
    }

    @Test("bad coordinator configurations name the file, line and cause", arguments: [
        ("router: localhost:1\n", 1, "ZeroMQ endpoint"),
        ("http: {host: 127.0.0.1, port: 70000}\n", 1, "between 0 and 65535"),
        ("stale_after: -1s\n", 1, "between"),
        ("log_level: loud\n", 1, "log_level must be one of"),
        ("router: tcp://127.0.0.1:1\npublisher: tcp://127.0.0.1:1\n", 2, "different endpoints"),
        ("tick: 10ms\nrepublish: 5s\n", 2, "between 50 ms and 1000 ms"),
        ("journal: /x\njournal: /y\n", 0, "duplicated key"),
        ("api_token_file: /nonexistent/token\n", 1, "cannot read the token file"),
        ("stale_after: 5s\nforget_after: 2s\n", 2, "forget_after (2s) must be longer than stale_after (5s)"),
        ("stale_after: 6m\n", 1, "must be shorter than forget_after (default 300s)"),
        ("forget_after: 10ms\n", 1, "between"),
    ])
    func badCoordinator(yaml: String, line: Int, fragment: String) {
        #expect {
            _ = try CoordinatorConfig.parse(yaml: yaml, file: "coordinator.yaml")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.description.contains(fragment)
        }
    }

    @Test("a missing configuration file is a clear error")
    func missingFile() {
        #expect(throws: ConfigError.self) { try CoordinatorConfig.load(path: "/nonexistent/coordinator.yaml") }
        #expect(throws: ConfigError.self) { try AgentConfig.load(path: "/nonexistent/agent.yaml") }
    }
}
