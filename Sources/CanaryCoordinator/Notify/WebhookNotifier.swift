import AsyncHTTPClient
import CanaryAPI
import CanaryConfig
import CanaryCore
import Foundation
import Logging
import NIOCore

/// Delivers decisions to the configured webhooks from a queue of its own:
/// `enqueue` only appends (never waits, never fails), and `run()` posts in
/// the background, retrying with exponential backoff. A decision is never
/// held up by a slow or broken receiver; a notification that still fails
/// after the last attempt is logged and dropped.
public final class WebhookNotifier: Sendable {
    public let webhooks: [WebhookConfig]
    let logger: Logger
    /// Tries per notification and the first pause between them (doubling).
    let attempts: Int
    let firstBackoff: Duration
    /// One queue per webhook: a receiver that is down delays only itself.
    private let queues: [(stream: AsyncStream<WebhookNotification>, continuation: AsyncStream<WebhookNotification>.Continuation)]

    public init(webhooks: [WebhookConfig], logger: Logger, attempts: Int = 5, firstBackoff: Duration = .milliseconds(500)) {
        self.webhooks = webhooks
        self.logger = logger
        self.attempts = max(1, attempts)
        self.firstBackoff = firstBackoff
        // Bounded: a receiver down for hours must not grow memory without end.
        queues = webhooks.map { _ in AsyncStream.makeStream(of: WebhookNotification.self, bufferingPolicy: .bufferingOldest(10_000)) }
    }

    /// Queues a decision for every webhook that wants its action.
    func enqueue(_ event: DecisionEvent, rollout: RolloutView) {
        let action = event.decision.action.rawValue
        guard webhooks.contains(where: { $0.events.contains(action) }) else { return }
        enqueue(WebhookNotification(event, rollout: rollout))
    }

    /// Queues the start or the end of a journal outage (once each per outage: JournalHealth.swift).
    func enqueue(journal status: JournalStatus, event: String, nowMs: Int64, outageSinceMs: Int64? = nil) {
        guard webhooks.contains(where: { $0.events.contains(event) }) else { return }
        enqueue(WebhookNotification(journal: status, event: event, nowMs: nowMs, outageSinceMs: outageSinceMs))
    }

    private func enqueue(_ notification: WebhookNotification) {
        for (hook, queue) in zip(webhooks, queues) where hook.events.contains(notification.event) {
            if case .dropped = queue.continuation.yield(notification) {
                logger.error("webhooks: queue for \(hook.url.absoluteString) full, notification \(notification.id) dropped")
            }
        }
    }

    /// Posts queued notifications until cancelled, each webhook in order.
    public func run() async {
        guard !webhooks.isEmpty else { return await waitForCancellation() }
        // One HTTP client for every webhook, on NIO's shared event loops; shut
        // down once every queue has ended (or the notifier is cancelled).
        // The deadline of a POST covers its answer's head; the read timeout
        // bounds a receiver that then stalls in the body.
        let slowest = webhooks.map(\.timeoutMs).max() ?? 5_000
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup,
                              configuration: .init(timeout: .init(read: .milliseconds(slowest))))
        await withTaskGroup(of: Void.self) { group in
            for (hook, queue) in zip(webhooks, queues) {
                group.addTask {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    for await notification in queue.stream {
                        guard let body = try? encoder.encode(notification) else { continue }
                        await self.deliver(body, id: notification.id, to: hook, http: http)
                    }
                }
            }
        }
        try? await http.shutdown()
    }

    public func close() {
        for queue in queues { queue.continuation.finish() }
    }

    private func deliver(_ body: Data, id: String, to hook: WebhookConfig, http: HTTPClient) async {
        var request = HTTPClientRequest(url: hook.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Canary-Notification", value: id)
        request.body = .bytes(ByteBuffer(bytes: body))
        var backoff = firstBackoff
        for attempt in 1...attempts {
            let (status, failure) = await Self.post(request, timeoutMs: hook.timeoutMs, http: http)
            if (200..<300).contains(status) { return }
            let problem = failure ?? "HTTP \(status)"
            if attempt == attempts {
                logger.error("webhooks: giving up on \(hook.url.absoluteString) for \(id) after \(attempts) attempts: \(problem)")
                return
            }
            logger.warning("webhooks: \(hook.url.absoluteString) refused \(id) (attempt \(attempt)/\(attempts)): \(problem); retrying in \(backoff)")
            do { try await Task.sleep(for: backoff) } catch { return }
            backoff *= 2
        }
    }

    /// One POST, bounded by the webhook's timeout (connect to last byte).
    private static func post(_ request: HTTPClientRequest, timeoutMs: Int64, http: HTTPClient) async -> (status: Int, failure: String?) {
        let deadline = NIODeadline.now() + .milliseconds(timeoutMs)
        do {
            let response = try await http.execute(request, deadline: deadline)
            // Read (and drop) the answer so the connection can be reused.
            _ = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), nil)
        } catch {
            return (0, "\(error)")
        }
    }

    private func waitForCancellation() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(3600)) } catch { return }
        }
    }
}
