import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import Foundation
import Testing

/// The config keys this feature adds: `webhooks` (coordinator) and
/// `metrics` (agent), with errors that name the problem.
struct ConfigKeysTests {
    @Test func webhooksParseWithDefaults() throws {
        let config = try CoordinatorConfig.parse(yaml: """
            webhooks:
              - url: https://hooks.example.com/canary
              - url: http://127.0.0.1:9000/hook
                events: [rollback, abort]
                timeout: 2s
            """, file: "c.yaml")
        #expect(config.webhooks.count == 2)
        #expect(config.webhooks[0].events == WebhookConfig.defaultEvents)
        #expect(config.webhooks[0].timeoutMs == 5_000)
        #expect(config.webhooks[1].events == ["rollback", "abort"])
        #expect(config.webhooks[1].timeoutMs == 2_000)
    }

    @Test(arguments: [
        ("webhooks: {url: x}", "list"),
        ("webhooks:\n  - url: ftp://x/y", "http(s) URL"),
        ("webhooks:\n  - url: http://h/x\n    events: [rollbak]", "unknown event 'rollbak'"),
        ("webhooks:\n  - url: http://h/x\n    retries: 3", "unknown key 'retries'"),
        ("webhooks:\n  - url: http://h/x\n    timeout: 10m", "timeout"),
    ])
    func badWebhooksAreRefused(yaml: String, says: String) {
        #expect { try CoordinatorConfig.parse(yaml: yaml, file: "c.yaml") } throws: { error in
            "\(error)".contains(says)
        }
    }

    @Test func agentMetricsAddress() throws {
        let base = "model: m\nversion: v1\nring:\n  name: /canary.cfg.test\n"
        let config = try AgentConfig.parse(yaml: base + "metrics: 127.0.0.1:9464\n", file: "a.yaml")
        #expect(config.metricsHost == "127.0.0.1" && config.metricsPort == 9464)
        #expect(try AgentConfig.parse(yaml: base, file: "a.yaml").metricsPort == nil)
        #expect { try AgentConfig.parse(yaml: base + "metrics: 9464\n", file: "a.yaml") } throws: { "\($0)".contains("host:port") }
    }
}
