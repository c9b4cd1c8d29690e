import ServiceLifecycle

/// The Hummingbird application (API, dashboard, `/metrics`) as a service.
/// Shutdown first ends the server-sent-event streams (closing the hub), so
/// the server's graceful shutdown is not held open by never-ending responses.
struct HTTPService<Application: Service>: Service {
    let application: Application
    let events: EventHub

    func run() async throws {
        let events = events
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await application.run()
            } onGracefulShutdown: {
                events.close()
            }
        } onCancel: {
            events.close()
        }
    }
}
