import AsyncHTTPClient
import NIOCore

/// The coordinator's event stream as an async sequence of events. Ends
/// (returns nil) when the coordinator closes the connection; stopping the
/// iteration closes it from this side.
public struct ServerSentEventStream: AsyncSequence, Sendable {
    public typealias Element = ServerSentEvent
    let body: HTTPClientResponse.Body

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPClientResponse.Body.AsyncIterator
        var parser = ServerSentEventParser()
        var ready: [ServerSentEvent] = []

        public mutating func next() async throws -> ServerSentEvent? {
            while ready.isEmpty {
                guard let chunk = try await chunks.next() else { return nil }
                ready = parser.feed(chunk.readableBytesView)
            }
            return ready.removeFirst()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator())
    }
}
