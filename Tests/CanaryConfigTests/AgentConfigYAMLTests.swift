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
        let text = config.yaml()
        #expect(try AgentConfig.parse(yaml: text, file: "a.yaml", hostName: "other") == config, "\(text)")
    }
}
