import CanaryConfig
import CanaryCore
import Foundation
import Testing

/// `CoordinatorConfig.yaml()`, like the agent's: read back into the same value.
@Suite("Coordinator configuration encoding")
struct CoordinatorConfigYAMLTests {
    @Test("the defaults round-trip")
    func defaults() throws {
        let config = CoordinatorConfig()
        #expect(try CoordinatorConfig.parse(yaml: config.yaml(), file: "c.yaml") == config)
    }

    @Test("every field set, webhooks included, round-trips")
    func everyField() throws {
        var config = CoordinatorConfig()
        config.routerEndpoint = "ipc:///tmp/router"
        config.publishEndpoint = "tcp://0.0.0.0:9002"
        config.httpHost = "::1"
        config.httpPort = 0
        config.journalPath = "/var/lib/canary/journal #1.sqlite"
        config.staleAfterMs = 1_500
        config.tickMs = 50
        config.republishMs = 500
        config.maxMessageBytes = 1 << 20
        config.histogram = HistogramSettings(lowestMicros: 10, highestMicros: 1_000_000, significantDigits: 3)
        config.apiToken = "s3cret: \"quoted\""
        config.logLevel = "debug"
        config.webhooks = [
            WebhookConfig(url: URL(string: "https://hooks.example.com/a?b=c")!),
            WebhookConfig(url: URL(string: "http://127.0.0.1:9000/hook")!, events: ["rollback"], timeoutMs: 250),
        ]
        let text = config.yaml()
        #expect(try CoordinatorConfig.parse(yaml: text, file: "c.yaml") == config, "\(text)")
    }
}
