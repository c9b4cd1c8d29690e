import CanaryCore

extension AgentConfig {
    /// The configuration as the YAML text `parse` reads back into an equal
    /// value: what a supervisor (the demo) writes instead of interpolating
    /// keys by hand, so the file cannot drift from the keys the parser knows.
    public func yaml() -> String {
        var lines = [
            "agent_id: \(YAMLScalar.quoted(agentID))",
            "replica: \(YAMLScalar.quoted(replica))",
            "model: \(YAMLScalar.quoted(model))",
            "version: \(YAMLScalar.quoted(version))",
            "role: \(YAMLScalar.quoted(role))",
            "ring:",
            "  name: \(YAMLScalar.quoted(ringName))",
            "  capacity: \(ringCapacity)",
            "window: \(DurationText.text(milliseconds: windowMs))",
            "coordinator:",
            "  router: \(YAMLScalar.quoted(coordinatorRouter))",
            "  publisher: \(YAMLScalar.quoted(coordinatorPublisher))",
            "route_page: \(YAMLScalar.quoted(routePageName))",
        ] + histogram.yamlLines + [
            // Float's description is the shortest text that reads back as the same Float.
            "score_bin_edges: [\(scoreBinEdges.map { "\($0)" }.joined(separator: ", "))]",
            "unacked_capacity: \(unackedCapacity)",
            "spool:",
        ] + (spoolDirectory.map { ["  directory: \(YAMLScalar.quoted($0))"] } ?? []) + [
            "  max_bytes: \(spoolMaxBytes)",
            "coordinator_timeout: \(DurationText.text(milliseconds: coordinatorTimeoutMs))",
            "labels:",
            "  horizon: \(DurationText.text(milliseconds: labelHorizonMs))",
            "  max_pending: \(labelMaxPending)",
            "log_level: \(YAMLScalar.quoted(logLevel))",
        ]
        if applyCommand != nil || applyFile != nil {
            lines.append("apply_hook:")
            if let applyCommand { lines.append("  command: \(YAMLScalar.quoted(applyCommand))") }
            if let applyFile { lines.append("  file: \(YAMLScalar.quoted(applyFile))") }
        }
        if let curve {
            lines += [
                "curve:",
                "  secret_key_file: \(YAMLScalar.quoted(curve.secretKeyFile))",
                "  coordinator_key_file: \(YAMLScalar.quoted(curve.coordinatorKeyFile))",
            ]
        }
        if insecure { lines.append("insecure: true") }
        if let metricsHost, let metricsPort {
            lines.append("metrics: \(YAMLScalar.quoted("\(metricsHost):\(metricsPort)"))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
