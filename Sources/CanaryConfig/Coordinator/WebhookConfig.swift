import CanaryCore
import Foundation

/// One webhook of the coordinator config:
///
/// ```yaml
/// webhooks:
///   - url: https://hooks.slack.com/services/T000/B000/XXXX
///     events: [advance, pause, promote, rollback, abort]   # default: these five and the
///                                                          # journal's (journal_unavailable, journal_recovered)
///     timeout: 5s                                          # per attempt
/// ```
public struct WebhookConfig: Sendable, Equatable {
    public var url: URL
    /// Decision actions that notify (`DecisionAction` raw values), and the
    /// journal outage events.
    public var events: Set<String>
    public var timeoutMs: Int64

    public static let defaultEvents = Set(["advance", "pause", "promote", "rollback", "abort"]).union(journalEvents)
    /// Said once when the journal stops committing and once when it is back.
    public static let journalEvents: Set<String> = ["journal_unavailable", "journal_recovered"]

    public init(url: URL, events: Set<String> = WebhookConfig.defaultEvents, timeoutMs: Int64 = 5_000) {
        self.url = url
        self.events = events
        self.timeoutMs = timeoutMs
    }

    static let keys: Set<String> = ["url", "events", "timeout"]

    /// One item of the coordinator config's `webhooks` list; nil (with the
    /// issues recorded) when it cannot be used.
    init?(_ item: ConfigMapping) {
        // Every key is read before giving up, so all its issues are reported.
        let urlNode = item.required("url")
        let text = urlNode?.string()
        let actions = DecisionAction.allCases.map(\.rawValue) + Self.journalEvents.sorted()
        let events = item["events"]?.list(of: { $0.oneOf(actions, what: "event") })
        let timeoutMs = item["timeout"]?.durationMs(in: 100...120_000)
        guard let urlNode, let text else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            urlNode.fail("\(urlNode.path) \(urlNode.quoted) must be an http(s) URL")
            return nil
        }
        self.init(url: url, events: events.map { Set($0) } ?? Self.defaultEvents, timeoutMs: timeoutMs ?? 5_000)
    }
}
