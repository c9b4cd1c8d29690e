import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The coordinator's server-sent events (`GET /api/v1/events`) as an async
/// sequence of (type, JSON) pairs. Built on a data-task delegate because
/// FoundationNetworking on Linux has no `URLSession.bytes(for:)`.
struct EventStream: Sendable {
    struct Event: Sendable, Equatable {
        let type: String
        let data: String
    }

    /// Connects and returns the events as they arrive; the stream ends with
    /// an error when the connection fails or closes.
    static func open(_ client: CoordinatorClient) -> AsyncThrowingStream<Event, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Event.self)
        // The stream stays open for as long as the rollout runs; idle
        // periods are bridged by the server's keep-alive comments (15 s).
        var request = URLRequest(url: client.url("/api/v1/events"), timeoutInterval: max(client.timeout, 60))
        request.setValue("text/event-stream", forHTTPHeaderField: "Accept")
        if let token = client.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let receiver = EventReceiver(continuation: continuation)
        let session = URLSession(configuration: .ephemeral, delegate: receiver, delegateQueue: nil)
        let task = session.dataTask(with: request)
        continuation.onTermination = { _ in
            task.cancel()
            session.invalidateAndCancel()
        }
        task.resume()
        return stream
    }
}

/// Splits the byte stream into SSE events (blank-line separated blocks of
/// `event:` and `data:` lines; `:` comments ignored).
final class EventReceiver: NSObject, URLSessionDataDelegate, Sendable {
    private let continuation: AsyncThrowingStream<EventStream.Event, any Error>.Continuation
    private let pending = Mutex(Data())

    init(continuation: AsyncThrowingStream<EventStream.Event, any Error>.Continuation) {
        self.continuation = continuation
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        // Checked here rather than in the didReceive-response callback,
        // whose signature differs between Darwin and FoundationNetworking.
        let status = (dataTask.response as? HTTPURLResponse)?.statusCode ?? 200
        guard (200..<300).contains(status) else {
            continuation.finish(throwing: RolloutFailure(kind: status < 500 ? .refused : .unavailable,
                                                        message: "the event stream answered HTTP \(status)"))
            dataTask.cancel()
            return
        }
        let blocks: [String] = pending.withLock { buffer in
            buffer.append(data)
            var blocks: [String] = []
            let separator = Data("\n\n".utf8)
            while let range = buffer.range(of: separator) {
                blocks.append(String(decoding: buffer[buffer.startIndex..<range.lowerBound], as: UTF8.self))
                buffer.removeSubrange(buffer.startIndex..<range.upperBound)
            }
            return blocks
        }
        for block in blocks {
            if let event = Self.parse(block) { continuation.yield(event) }
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        continuation.finish(throwing: RolloutFailure(
            kind: .unavailable,
            message: "the coordinator's event stream ended: \(error.map(CoordinatorClient.describe) ?? "connection closed")"))
    }

    static func parse(_ block: String) -> EventStream.Event? {
        var type = "message"
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { continue }
            if line.hasPrefix("event:") { type = line.dropFirst(6).trimmingCharacters(in: .whitespaces) }
            if line.hasPrefix("data:") {
                var value = line.dropFirst(5)
                if value.first == " " { value = value.dropFirst() }
                data.append(String(value))
            }
        }
        return data.isEmpty ? nil : EventStream.Event(type: type, data: data.joined(separator: "\n"))
    }
}
