import CanaryCore
import Foundation
import Yams

/// One webhook of the coordinator config:
///
/// ```yaml
/// webhooks:
///   - url: https://hooks.slack.com/services/T000/B000/XXXX
///     events: [advance, pause, promote, rollback, abort]   # default: these five
///     timeout: 5s                                          # per attempt
/// ```
public struct WebhookConfig: Sendable, Equatable {
    public var url: URL
    /// Decision actions that notify (`DecisionAction` raw values).
    public var events: Set<String>
    public var timeoutMs: Int64

    public static let defaultEvents: Set<String> = ["advance", "pause", "promote", "rollback", "abort"]

    public init(url: URL, events: Set<String> = WebhookConfig.defaultEvents, timeoutMs: Int64 = 5_000) {
        self.url = url
        self.events = events
        self.timeoutMs = timeoutMs
    }

    /// Reads the `webhooks` list of a coordinator config's text. The generic
    /// config reader has no lists of mappings, so this one walks the YAML
    /// itself, with the same kind of errors.
    static func parseList(yaml: String, file: String) throws(ConfigError) -> [WebhookConfig] {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch { throw ConfigError(file: file, message: "\(error)") }
        guard let root = node?.mapping, let list = root["webhooks"] else { return [] }
        guard let items = list.sequence else {
            throw ConfigError(file: file, message: "webhooks must be a list of {url, events, timeout}")
        }
        let actions = Set(DecisionAction.allCases.map(\.rawValue))
        var hooks: [WebhookConfig] = []
        for (index, item) in items.enumerated() {
            let at = "webhooks[\(index)]"
            guard let map = item.mapping else { throw ConfigError(file: file, message: "\(at) must be a mapping with url, events, timeout") }
            for key in map.keys.compactMap(\.string) where !["url", "events", "timeout"].contains(key) {
                throw ConfigError(file: file, message: "\(at): unknown key '\(key)' (allowed: url, events, timeout)")
            }
            guard let text = map["url"]?.string, let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigError(file: file, message: "\(at).url must be an http(s) URL")
            }
            var hook = WebhookConfig(url: url)
            if let events = map["events"] {
                guard let names = events.sequence?.compactMap(\.string), names.count == events.sequence?.count else {
                    throw ConfigError(file: file, message: "\(at).events must be a list of decision actions")
                }
                for name in names where !actions.contains(name) {
                    throw ConfigError(file: file, message: "\(at).events: unknown event '\(name)' (one of \(actions.sorted().joined(separator: ", ")))")
                }
                hook.events = Set(names)
            }
            if let timeout = map["timeout"]?.string {
                guard let ms = ConfigMapping.parseDurationMs(timeout), (100...120_000).contains(ms) else {
                    throw ConfigError(file: file, message: "\(at).timeout must be a duration between 100ms and 2m, got '\(timeout)'")
                }
                hook.timeoutMs = ms
            }
            hooks.append(hook)
        }
        return hooks
    }
}
