import Foundation
import Hummingbird
import Logging
import Synchronization

/// A loopback HTTP server that records every webhook POSTed to `/hook`.
final class WebhookReceiver: Sendable {
    private let log = Mutex<[(event: String, body: String)]>([])
    private let server = Mutex<(task: Task<Void, any Error>?, port: Int)>((nil, 0))

    static func start() async throws -> WebhookReceiver {
        let receiver = WebhookReceiver()
        let (ports, port) = AsyncStream.makeStream(of: Int.self)
        let task = Task { try await receiver.serve(port) }
        var bound = ports.makeAsyncIterator()
        guard let number = await bound.next(), number > 0 else {
            task.cancel()
            throw TestFailure("the webhook receiver did not start")
        }
        receiver.server.withLock { $0 = (task, number) }
        return receiver
    }

    private func serve(_ port: AsyncStream<Int>.Continuation) async throws {
        let router = Router()
        router.post("hook") { request, _ -> Response in
            var request = request
            let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
            let json = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            self.log.withLock { $0.append((json?["event"] as? String ?? "", body)) }
            return Response(status: .ok)
        }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .warning
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in port.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        try await app.run()
    }

    var url: URL { URL(string: "http://127.0.0.1:\(server.withLock { $0.port })/hook")! }

    /// The `event` of every notification received, in order.
    var events: [String] { log.withLock { $0.map(\.event) } }

    /// The bodies received for one event.
    func bodies(_ event: String) -> [String] { log.withLock { $0.filter { $0.event == event }.map(\.body) } }

    func stop() { server.withLock { $0.task?.cancel() } }
}
