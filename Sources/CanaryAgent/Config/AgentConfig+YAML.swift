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
            "window: \(windowMs)ms",
            "coordinator:",
            "  router: \(YAMLScalar.quoted(coordinatorRouter))",
            "  publisher: \(YAMLScalar.quoted(coordinatorPublisher))",
            "route_page: \(YAMLScalar.quoted(routePageName))",
            "histogram:",
            "  lowest_us: \(histogram.lowestMicros)",
            "  highest_us: \(histogram.highestMicros)",
            "  significant_digits: \(histogram.significantDigits)",
            // Float's description is the shortest text that reads back as the same Float.
            "score_bin_edges: [\(scoreBinEdges.map { "\($0)" }.joined(separator: ", "))]",
            "unacked_capacity: \(unackedCapacity)",
            "coordinator_timeout: \(coordinatorTimeoutMs)ms",
            "log_level: \(YAMLScalar.quoted(logLevel))",
        ]
        if applyCommand != nil || applyFile != nil {
            lines.append("apply_hook:")
            if let applyCommand { lines.append("  command: \(YAMLScalar.quoted(applyCommand))") }
            if let applyFile { lines.append("  file: \(YAMLScalar.quoted(applyFile))") }
        }
        if let metricsHost, let metricsPort {
            lines.append("metrics: \(YAMLScalar.quoted("\(metricsHost):\(metricsPort)"))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// YAML scalars written by the config encoders.
enum YAMLScalar {
    /// A double-quoted YAML string: always a string (never a number, bool or
    /// null), whatever the text, with the escapes YAML and JSON share.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
