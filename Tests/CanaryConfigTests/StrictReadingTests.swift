import CanaryConfig
import CanaryCore
import CanarySimulator
import Testing

/// The one configuration layer: every file kind refuses unknown keys with
/// file:line and the allowed keys, reports every issue of a file at once,
/// and reads lists of mappings.
@Suite("Strict configuration reading")
struct StrictReadingTests {
    static let plan = "model: m\nbaseline: v1\ncanary: v2\nsteps: [10%, 100%]\nguards:\n  - metric: error_rate\n    tolerance: 20%\n"
    static let agent = "model: m\nversion: v1\nring: {name: /r}\n"
    static let scenario = "name: s\nplan: x\nexpect: {outcome: promoted}\n"

    /// The issues `body` throws, from any file kind.
    func issues(_ body: () throws -> Void) -> [ConfigIssue] {
        do {
            try body()
            return []
        } catch let error as ConfigError {
            return error.issues
        } catch let error as PlanError {
            return error.issues
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("unknown keys are refused in every file kind, with file:line and the allowed keys", arguments: [
        ("plan", StrictReadingTests.plan + "colour: red\n", 8, "unknown key \"colour\" in plan; allowed: alpha, analysis_window"),
        ("plan", StrictReadingTests.plan + "    maximum: 1s\n", 8, "unknown key \"maximum\" in guards[0]; allowed:"),
        ("plan", StrictReadingTests.plan + "bake: {min_time: 1s}\n", 8, "unknown key \"min_time\" in bake; allowed: max_duration, min_duration, min_samples_per_arm"),
        ("agent", StrictReadingTests.agent + "windwo: 1s\n", 4, "unknown key 'windwo' in agent config; allowed: agent_id, apply_hook"),
        ("agent", "model: m\nversion: v1\nring: {name: /r, size: 64}\n", 3, "unknown key 'size' in ring; allowed: capacity, name"),
        ("coordinator", "journal: j.sqlite\nhttp: {host: 127.0.0.1, prot: 1}\n", 2,
         "unknown key 'prot' in http; allowed: body_timeout, header_timeout, host, idle_timeout, max_connections, port"),
        ("coordinator", "webhooks:\n  - url: http://h/x\n    retries: 3\n", 3, "unknown key 'retries' in webhooks[0]; allowed: events, timeout, url"),
        ("scenario", StrictReadingTests.scenario + "fautls: []\n", 4, "unknown key 'fautls' in scenario; allowed: actions, baseline"),
        ("scenario", StrictReadingTests.scenario + "canary: {latency_msec: 3}\n", 4, "unknown key 'latency_msec' in canary; allowed: accuracy"),
        ("scenario", StrictReadingTests.scenario + "faults:\n  - at_step: 2\n    eror_rate: 0.5\n", 6, "unknown key 'eror_rate' in faults[0]; allowed: accuracy, after, at_step"),
    ])
    func unknownKeys(kind: String, yaml: String, line: Int, says: String) {
        let found = issues { try parse(kind, yaml) }
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.file == "\(kind).yaml")
        #expect(found.first?.line == line, "\(found)")
        #expect(found.first?.message.contains(says) == true, "\(found)")
    }

    func parse(_ kind: String, _ yaml: String) throws {
        let file = "\(kind).yaml"
        switch kind {
        case "plan": _ = try RolloutPlan.parse(yaml: yaml, file: file)
        case "agent": _ = try AgentConfig.parse(yaml: yaml, file: file, hostName: "h")
        case "coordinator": _ = try CoordinatorConfig.parse(yaml: yaml, file: file)
        default: _ = try Scenario.parse(yaml: yaml, file: file)
        }
    }

    @Test("every issue of an agent config is reported at once, in file order")
    func agentIssuesAreAllCollected() {
        let yaml = "model: m\nversion: v1\nring: {name: r, capacity: 1000}\nwindow: 5ms\nrole: shadow\nunacked_capacity: 0\nlog_level: loud\n"
        let found = issues { _ = try AgentConfig.parse(yaml: yaml, file: "a.yaml", hostName: "h") }
        #expect(found.map(\.line) == [3, 3, 4, 5, 6, 7], "\(found)")
        #expect(found.map(\.description).joined(separator: "\n").contains("a.yaml:4:9: window '5ms' must be between 100 ms and 60000 ms"))
    }

    @Test("coordinator and webhook issues are all reported, with their lines")
    func webhookIssuesHaveLines() {
        let yaml = """
            tick: 1ms
            webhooks:
              - url: http://127.0.0.1:9000/ok
              - url: ftp://x/y
                events: [rollback, rollbak]
                timeout: 10m
              - events: [abort]
              - just a string
            """
        let found = issues { _ = try CoordinatorConfig.parse(yaml: yaml, file: "c.yaml") }
        #expect(found.map(\.line) == [1, 4, 5, 6, 7, 8], "\(found)")
        let text = found.map(\.description)
        #expect(text[1].hasPrefix("c.yaml:4:10: webhooks[1].url 'ftp://x/y' must be an http(s) URL"), "\(text)")
        #expect(text[2].contains("unknown event 'rollbak'"), "\(text)")
        #expect(text[3].contains("webhooks[1].timeout '10m' must be between 100 ms and 120000 ms"), "\(text)")
        #expect(text[4].contains("missing required key 'webhooks[2].url'"), "\(text)")
        #expect(text[5].contains("webhooks[3] must be a mapping"), "\(text)")
    }

    @Test("lists of mappings: webhooks and scenario faults and actions")
    func listsOfMappings() throws {
        let config = try CoordinatorConfig.parse(yaml: """
            webhooks:
              - {url: "https://a.example/x", timeout: 1s}
              - url: http://b.example/y
                events: [pause]
            """, file: "c.yaml")
        #expect(config.webhooks.map(\.url.host) == ["a.example", "b.example"])
        #expect(config.webhooks.map(\.timeoutMs) == [1_000, 5_000])
        #expect(config.webhooks[1].events == ["pause"])
        let scenario = try Scenario.parse(yaml: Self.scenario + """
            faults:
              - {name: one, at_step: 2, error_rate: 0.5}
              - name: two
                stall: true
            actions:
              - {action: kill_agent, replica: 1, down_for: 2s}
            """, file: "s.yaml")
        #expect(scenario.faults.map(\.name) == ["one", "two"])
        #expect(scenario.faults[0].trigger == Trigger(step: 2) && scenario.faults[0].errorRate == 0.5)
        #expect(scenario.faults[1].stall && scenario.faults[1].trigger.step == 1)
        #expect(scenario.actions.count == 1 && scenario.actions[0].kind == .killAgent)
        #expect(scenario.actions[0].replica == 1 && scenario.actions[0].downFor.milliseconds == 2_000)
    }

    @Test("a plan's several problems and a scenario's several problems are all reported")
    func severalProblems() {
        let plan = issues { _ = try RolloutPlan.parse(yaml: Self.plan + "alpha: 2\non_breach: explode\nstale_after: soon\n", file: "p.yaml") }
        #expect(plan.map(\.line) == [8, 9, 10], "\(plan)")
        let scenario = issues {
            _ = try Scenario.parse(yaml: "plan: x\nexpect: {outcome: exploded}\nwindow: -1s\nmax_speed: 0.5\n", file: "s.yaml")
        }
        #expect(scenario.map(\.line) == [1, 2, 3, 4], "\(scenario)")
        #expect(scenario.first?.message.contains("missing required key 'name'") == true)
    }

    @Test("YAML that is not a mapping, or not YAML at all, is one clear issue")
    func notAMapping() {
        let list = issues { _ = try AgentConfig.parse(yaml: "- a\n- b\n", file: "a.yaml", hostName: "h") }
        #expect(list.count == 1 && list[0].line == 1 && list[0].message.contains("the agent config must be a mapping"))
        let broken = issues { _ = try Scenario.parse(yaml: "name: [x\n", file: "s.yaml") }
        #expect(broken.count == 1 && broken[0].message.contains("not valid YAML"))
    }
}
