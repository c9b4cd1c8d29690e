import CanaryAgent
@testable import CanaryCLI
import CanaryConfig
import CanaryCoordinator
import CanaryShm
import Foundation
import Testing
import ZeroMQ

/// Key files, `canary keygen`, the configs that name them, and plain text
/// refused off loopback unless `insecure: true`.
@Suite("Keys and transport security in the configs", .enabled(if: ZeroMQ.hasCurve))
struct KeyConfigTests {
    static func mode(_ path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestFailure("cannot stat \(path)") }
        return info.st_mode & 0o777
    }

    @Test("canary keygen writes NAME.pub 0644 and NAME.key 0600, refuses to overwrite without --force")
    func keygenModes() throws {
        let directory = Unique.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = directory + "/agent-1"
        try KeygenCommand.parse([base]).run()
        #expect(try Self.mode(base + ".key") == 0o600)
        #expect(try Self.mode(base + ".pub") == 0o644)
        let secret = try KeyFile.readSecret(base + ".key")
        let publicKey = try KeyFile.readPublic(base + ".pub")
        #expect(try CurveKeyPair(secretKey: secret).publicKey == publicKey)
        #expect(!(try String(contentsOfFile: base + ".pub", encoding: .utf8)).contains(secret))

        #expect { try KeygenCommand.parse([base]).run() } throws: { "\($0)".contains("already exists") && "\($0)".contains("--force") }
        #expect(try KeyFile.readPublic(base + ".pub") == publicKey, "the refused run left the files alone")
        try KeygenCommand.parse([base, "--force"]).run()
        #expect(try KeyFile.readPublic(base + ".pub") != publicKey)
        #expect(try Self.mode(base + ".key") == 0o600)
    }

    @Test("a secret key file readable by group or others is refused, naming the fix")
    func openSecretRefused() throws {
        let directory = Unique.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pair = try CurveKeyPair.generate()
        let written = try KeyFile.writePair(publicKey: pair.publicKey, secretKey: pair.secretKey, base: directory + "/k",
                                            force: false, comment: "test")
        chmod(written.secretPath, 0o640)
        #expect { try KeyFile.readSecret(written.secretPath) } throws: { error in
            "\(error)".contains("0640") && "\(error)".contains("chmod 600")
        }
        let agent = "model: m\nversion: v1\nring:\n  name: /canary.keycfg.test\ncurve:\n  secret_key_file: \(written.secretPath)\n  coordinator_key_file: \(written.publicPath)\n"
        #expect { try AgentConfig.parse(yaml: agent, file: "a.yaml") } throws: { error in
            "\(error)".contains("a.yaml:6") && "\(error)".contains("readable by group or others")
        }
        chmod(written.secretPath, 0o600)
        let config = try AgentConfig.parse(yaml: agent, file: "a.yaml")
        #expect(config.curve == AgentCurveConfig(secretKeyFile: written.secretPath, coordinatorKeyFile: written.publicPath))
        #expect(try AgentConfig.parse(yaml: config.yaml(), file: "a.yaml") == config)
    }

    @Test("configs never take a secret inline: a key pasted as the file name or as secret_key is refused without echoing it")
    func inlineSecretsRefused() throws {
        let pair = try CurveKeyPair.generate()
        let inline = "curve:\n  secret_key_file: \"\(pair.secretKey)\"\n  allow_list: /nonexistent\n"
        #expect { try CoordinatorConfig.parse(yaml: inline, file: "c.yaml") } throws: { error in
            "\(error)".contains("c.yaml:2") && "\(error)".contains("looks like a key") && !"\(error)".contains(pair.secretKey)
        }
        let named = "curve:\n  secret_key: \"\(pair.secretKey)\"\n  secret_key_file: /x\n  allow_list: /y\n"
        #expect { try CoordinatorConfig.parse(yaml: named, file: "c.yaml") } throws: { error in
            "\(error)".contains("secret keys are never written in a config file") && !"\(error)".contains(pair.secretKey)
        }
    }

    @Test("a coordinator or agent off loopback without keys refuses to start; insecure: true lets it, loopback needs nothing")
    func plainTextOffLoopback() throws {
        let directory = Unique.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var config = CoordinatorConfig()
        config.journalPath = directory + "/journal.sqlite"
        config.routerEndpoint = "tcp://0.0.0.0:0"
        config.publishEndpoint = "tcp://127.0.0.1:0"
        #expect { try Coordinator(config: config, logger: testLogger) } throws: { error in
            "\(error)".contains("tcp://0.0.0.0:0") && "\(error)".contains("insecure: true") && "\(error)".contains("curve")
        }
        config.insecure = true
        _ = try Coordinator(config: config, logger: testLogger)
        config.insecure = false
        config.routerEndpoint = "tcp://127.0.0.1:0"
        _ = try Coordinator(config: config, logger: testLogger)
        #expect(try CoordinatorConfig.parse(yaml: "insecure: true\n", file: "c.yaml").insecure)

        let ring = "/" + Unique.name("keycfg.")
        defer { _ = try? unlinkSharedSegmentIfPresent(ring); _ = try? unlinkSharedSegmentIfPresent(ring + ".route") }
        var agent = AgentConfig(agentID: "a", model: "m", version: "v1", ringName: ring, routePageName: ring + ".route")
        agent.coordinatorRouter = "tcp://coordinator.prod:7601"
        #expect { try Agent(config: agent, logger: testLogger) } throws: { error in
            "\(error)".contains("agent refuses to start") && "\(error)".contains("tcp://coordinator.prod:7601")
        }
        agent.insecure = true
        _ = try Agent(config: agent, logger: testLogger)
    }

    @Test("which endpoints count as loopback", arguments: [
        ("tcp://127.0.0.1:7601", true), ("tcp://127.3.2.1:*", true), ("tcp://localhost:1", true), ("tcp://[::1]:7601", true),
        ("ipc:///tmp/canary.sock", true), ("inproc://x", true), ("tcp://*:7601", false), ("tcp://0.0.0.0:7601", false),
        ("tcp://10.0.0.5:7601", false), ("tcp://eth0:7601", false), ("tcp://coordinator:7601", false), ("tcp://[::]:7601", false),
        ("tcp://128.0.0.1:1", false),
    ])
    func loopback(endpoint: String, loopback: Bool) {
        #expect(EndpointScope.isLoopback(endpoint) == loopback)
    }

    @Test("allow-list: bad entries are reported with file:line and left out, the others kept; a directory merges its files")
    func allowListParsing() throws {
        let directory = Unique.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let a = try CurveKeyPair.generate(), b = try CurveKeyPair.generate(), c = try CurveKeyPair.generate()
        _ = try KeyFile.writePair(publicKey: c.publicKey, secretKey: c.secretKey, base: directory + "/c", force: false, comment: "t")
        try """
            - name: eu
              key: "\(a.publicKey)"
              agent: "fraud-eu-*"
              model: fraud
              versions: [v41, v42]
            - key: "too short"
              agent: x
              model: fraud
              versions: [v1]
            - key: "\(b.publicKey)"
              agent: y
              model: fraud
              versions: []
            - key: "\(a.publicKey)"
              agent: z
              model: fraud
              versions: ["*"]
            """.write(toFile: directory + "/10-main.yaml", atomically: true, encoding: .utf8)
        try AllowList.entryYAML(name: "c", keyFile: "c.pub", agent: "c-1", model: "m", versions: ["*"])
            .write(toFile: directory + "/20-c.yaml", atomically: true, encoding: .utf8)
        try "not: [a list".write(toFile: directory + "/30-broken.yaml", atomically: true, encoding: .utf8)
        let list = try AllowList.load(path: directory)
        #expect(list.entries.count == 2)
        let eu = try #require(list[a.publicKey])
        #expect(eu.allows(agentID: "fraud-eu-3") && !eu.allows(agentID: "fraud-us-3"))
        #expect(eu.allows(version: "v42") && !eu.allows(version: "v43"))
        #expect(eu.source.hasSuffix("10-main.yaml:1"))
        #expect(list[c.publicKey]?.allows(version: "anything") == true)
        let issues = list.issues.map(\.description)
        #expect(issues.contains { $0.contains("10-main.yaml:6") && $0.contains("40 Z85") }, "\(issues)")
        #expect(issues.contains { $0.contains("10-main.yaml:13") && $0.contains("at least one version") }, "\(issues)")
        #expect(issues.contains { $0.contains("10-main.yaml:14") && $0.contains("already allowed") }, "\(issues)")
        #expect(issues.contains { $0.contains("30-broken.yaml") }, "\(issues)")
        #expect(throws: ConfigError.self) { try AllowList.load(path: directory + "/missing") }
    }
}

/// `unlinkSharedSegment` that ignores a segment that was never created.
func unlinkSharedSegmentIfPresent(_ name: String) throws -> Bool {
    (try? unlinkSharedSegment(name)) ?? false
}
