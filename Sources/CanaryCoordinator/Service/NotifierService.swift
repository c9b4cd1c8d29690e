import ServiceLifecycle

/// Webhook deliveries as a service: off the decision path, until shutdown.
/// Shutdown cancels what is still queued or retrying (as before): a receiver
/// that is down must not hold the coordinator's exit for its backoff.
struct NotifierService: Service {
    let notifier: WebhookNotifier

    func run() async {
        guard !notifier.webhooks.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        let notifier = notifier
        await cancelWhenGracefulShutdown { await notifier.run() }
    }
}
