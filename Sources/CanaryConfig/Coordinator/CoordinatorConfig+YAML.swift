import CanaryCore

extension CoordinatorConfig {
    /// The configuration as the YAML text `parse` reads back into an equal
    /// value (the token, when set, is written inline: keep the file private).
    public func yaml() -> String {
        var lines = [
            "router: \(YAMLScalar.quoted(routerEndpoint))",
            "publisher: \(YAMLScalar.quoted(publishEndpoint))",
            "http:",
            "  host: \(YAMLScalar.quoted(httpHost))",
            "  port: \(httpPort)",
        ] + httpLimits.yamlLines + [
            "journal: \(YAMLScalar.quoted(journalPath))",
            "stale_after: \(DurationText.text(milliseconds: staleAfterMs))",
            "forget_after: \(DurationText.text(milliseconds: forgetAfterMs))",
            "tick: \(DurationText.text(milliseconds: tickMs))",
            "republish: \(DurationText.text(milliseconds: republishMs))",
            "max_message_bytes: \(maxMessageBytes)",
        ] + histogram.yamlLines + limits.yamlLines + [
            "log_level: \(YAMLScalar.quoted(logLevel))",
        ]
        if let apiToken { lines.append("api_token: \(YAMLScalar.quoted(apiToken))") }
        if let curve {
            lines += [
                "curve:",
                "  secret_key_file: \(YAMLScalar.quoted(curve.secretKeyFile))",
                "  allow_list: \(YAMLScalar.quoted(curve.allowList))",
                "  agents_per_key: \(curve.agentsPerKey)",
                "  reload_check: \(DurationText.text(milliseconds: curve.reloadCheckMs))",
            ]
        }
        if insecure { lines.append("insecure: true") }
        if !webhooks.isEmpty {
            lines.append("webhooks:")
            for hook in webhooks {
                lines += [
                    "  - url: \(YAMLScalar.quoted(hook.url.absoluteString))",
                    "    events: [\(hook.events.sorted().map(YAMLScalar.quoted).joined(separator: ", "))]",
                    "    timeout: \(DurationText.text(milliseconds: hook.timeoutMs))",
                ]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
