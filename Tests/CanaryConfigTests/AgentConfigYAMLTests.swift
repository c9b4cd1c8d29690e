import CanaryConfig
import CanaryCore
import Testing

/// `AgentConfig.yaml()` is what supervisors write: the strict parser must
/// read it back into the same value, whatever the fields hold.
@Suite("Agent configuration encoding")
struct AgentConfigYAMLTests {
    @Test("the defaults round-trip")
    func defaults() throws {
        let config = AgentConfig(agentID: "h/0", model: "m", version: "v1", ringName: "/r", routePageName: "/r.route")
        #expect(try AgentConfig.parse(yaml: config.yaml(), file: "a.yaml", hostName: "other") == config)
    }

    @Test("every field set, with text YAML would otherwise misread, round-trips")
    func everyField() throws {
        var config = AgentConfig(agentID: "host: a/#1", model: "yes", version: "1.10", ringName: "/canary.m.v1.0",
                                 routePageName: "/canary.m.v1.0.page")
        config.replica = "007"
        config.role = "canary"
        config.ringCapacity = 1 << 10
        config.windowMs = 250
        config.coordinatorRouter = "tcp://10.0.0.1:9000"
        config.coordinatorPublisher = "ipc:///tmp/pub"
        config.histogram = HistogramSettings(lowestMicros: 10, highestMicros: 1_000_000, significantDigits: 3)
        config.scoreBinEdges = [0.1, 0.25, 1.0 / 3]
        config.unackedCapacity = 42
        config.spoolDirectory = "/var/lib/canary: spool #1"
        config.spoolMaxBytes = 1 << 20
        config.coordinatorTimeoutMs = 1_500
        config.applyCommand = "printf '%s' \"$CANARY_WEIGHTS\"\n\techo done"
        config.applyFile = "/tmp/split.json"
        config.logLevel = "debug"
        config.metricsHost = "::1"
        config.metricsPort = 9464
        config.labelHorizonMs = 90_000
        config.labelMaxPending = 0
        let text = config.yaml()
        #expect(try AgentConfig.parse(yaml: text, file: "a.yaml", hostName: "other") == config, "\(text)")
    }

    @Test("labels: horizon and max_pending are read, and bad values refused with file:line")
    func labels() throws {
        let base = "model: m\nversion: v1\nring: {name: /r}\n"
        let config = try AgentConfig.parse(yaml: base + "labels:\n  horizon: 30m\n  max_pending: 2_000_000\n", file: "a.yaml", hostName: "h")
        #expect(config.labelHorizonMs == 1_800_000 && config.labelMaxPending == 2_000_000)
        let defaults = try AgentConfig.parse(yaml: base, file: "a.yaml", hostName: "h")
        #expect(defaults.labelHorizonMs == 600_000 && defaults.labelMaxPending == 1_000_000)
        do {
            _ = try AgentConfig.parse(yaml: base + "labels:\n  horizon: 10ms\n  max_pending: -1\n  size: 3\n", file: "a.yaml", hostName: "h")
            Issue.record("bad labels were accepted")
        } catch {
            let issues = error.issues.map { "\($0.file):\($0.line): \($0.message)" }
            #expect(issues.contains { $0.hasPrefix("a.yaml:5:") && $0.contains("labels.horizon") }, "\(issues)")
            #expect(issues.contains { $0.hasPrefix("a.yaml:6:") && $0.contains("labels.max_pending") }, "\(issues)")
            #expect(issues.contains { $0.hasPrefix("a.yaml:7:") && $0.contains("size") }, "\(issues)")
        }
    }
}
