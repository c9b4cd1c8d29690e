import Foundation
import Synchronization

/// Fans live events (decisions, metrics, agent changes) out to every
/// server-sent-events subscriber. Slow subscribers lose their oldest
/// unread events (bounded buffer) instead of slowing the coordinator.
public final class EventHub: Sendable {
    /// One event: its type (SSE `event:` field) and JSON payload.
    public struct Event: Sendable, Equatable {
        public let type: String
        public let json: String
    }

    private let subscribers = Mutex<[UUID: AsyncStream<Event>.Continuation]>([:])
    private let bufferSize: Int

    public init(bufferSize: Int = 256) {
        self.bufferSize = bufferSize
    }

    /// A stream of events from now on; ends when the hub is closed or the
    /// consumer stops iterating.
    public func subscribe() -> AsyncStream<Event> {
        let id = UUID()
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(bufferSize))
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    public func publish(type: String, _ value: some Encodable) {
        guard let data = try? Self.encoder.encode(value), let json = String(data: data, encoding: .utf8) else { return }
        let event = Event(type: type, json: json)
        for continuation in subscribers.withLock({ Array($0.values) }) {
            continuation.yield(event)
        }
    }

    public func close() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
