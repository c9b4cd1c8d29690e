import CanaryConfig
import CanaryCore
import Testing

/// The `limits:` section of the coordinator config.
@Suite("Fleet limits config")
struct FleetLimitsConfigTests {
    @Test("absent: the defaults")
    func defaults() throws {
        let config = try CoordinatorConfig.parse(yaml: "log_level: info\n", file: "c.yaml")
        #expect(config.limits == FleetLimits())
        #expect(config.limits.maxAgents == 20_000 && config.limits.maxModels == 1_000)
        #expect(config.limits.window == .fleetDefault)
    }

    @Test("every key read, and written back by yaml()")
    func everyKey() throws {
        let config = try CoordinatorConfig.parse(yaml: """
            limits:
              max_latency_buckets: 2048
              max_prediction_classes: 100
              max_score_bin_edges: 16
              max_window: 10s
              max_clock_skew: 30s
              max_window_age: 2h
              max_sequence_ahead: 5000
              max_agents: 500
              max_models: 50
              max_versions_per_model: 4
              max_rollouts: 20
            """, file: "c.yaml")
        let limits = config.limits
        #expect(limits.window == WindowBounds(maxLatencyBuckets: 2_048, maxPredictionClasses: 100, maxScoreBinEdges: 16, maxWindowMs: 10_000))
        #expect(limits.maxClockSkewMs == 30_000 && limits.maxWindowAgeMs == 7_200_000 && limits.maxSequenceAhead == 5_000)
        #expect(limits.maxAgents == 500 && limits.maxModels == 50 && limits.maxVersionsPerModel == 4 && limits.maxRollouts == 20)
        #expect(try CoordinatorConfig.parse(yaml: config.yaml(), file: "c.yaml") == config)
    }

    @Test(arguments: [
        ("limits:\n  max_agents: 0", "max_agents"),
        ("limits:\n  max_window: 3d", "max_window"),
        ("limits:\n  max_prediction_classes: 100000", "max_prediction_classes"),
        ("limits:\n  max_buckets: 10", "unknown key 'max_buckets'"),
    ])
    func badLimitsAreRefused(yaml: String, says: String) {
        #expect { try CoordinatorConfig.parse(yaml: yaml, file: "c.yaml") } throws: { error in
            "\(error)".contains(says)
        }
    }
}
