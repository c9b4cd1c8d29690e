import CanaryConfig
import CanaryCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging

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
        let notification = WebhookNotification(event, rollout: rollout)
        for (hook, queue) in zip(webhooks, queues) where hook.events.contains(action) {
            if case .dropped = queue.continuation.yield(notification) {
                logger.error("webhooks: queue for \(hook.url.absoluteString) full, notification \(notification.id) dropped")
            }
        }
    }

    /// Posts queued notifications until cancelled, each webhook in order.
    public func run() async {
        guard !webhooks.isEmpty else { return await waitForCancellation() }
        // Never invalidated: cancelling in-flight tasks trips an assertion in
        // swift-corelibs-foundation's task registry; each request is bounded
        // by its timeout anyway, and there is one session per coordinator.
        let session = URLSession(configuration: .ephemeral)
        await withTaskGroup(of: Void.self) { group in
            for (hook, queue) in zip(webhooks, queues) {
                group.addTask {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    for await notification in queue.stream {
                        guard let body = try? encoder.encode(notification) else { continue }
                        await self.deliver(body, id: notification.id, to: hook, session: session)
                    }
                }
            }
        }
    }

    public func close() {
        for queue in queues { queue.continuation.finish() }
    }

    private func deliver(_ body: Data, id: String, to hook: WebhookConfig, session: URLSession) async {
        var request = URLRequest(url: hook.url, timeoutInterval: Double(hook.timeoutMs) / 1000)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(id, forHTTPHeaderField: "X-Canary-Notification")
        request.httpBody = body
        var backoff = firstBackoff
        for attempt in 1...attempts {
            let (status, failure) = await Self.post(request, session: session)
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

    /// One POST through the completion-handler API. Not `data(for:)`: on
    /// Linux, cancelling that async call (coordinator shutdown) crashes
    /// FoundationNetworking ("task that is not in the registry").
    private static func post(_ request: URLRequest, session: URLSession) async -> (status: Int, failure: String?) {
        await withCheckedContinuation { continuation in
            session.dataTask(with: request) { _, response, error in
                if let error {
                    continuation.resume(returning: (0, error.localizedDescription))
                } else {
                    continuation.resume(returning: ((response as? HTTPURLResponse)?.statusCode ?? 0, nil))
                }
            }.resume()
        }
    }

    private func waitForCancellation() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(3600)) } catch { return }
        }
    }
}
