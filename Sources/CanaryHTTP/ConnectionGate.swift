import NIOCore
import Synchronization

/// Every open connection of one HTTP server, shared by its event loops: who
/// may come in, and who makes room.
///
/// Below the limit a connection is admitted. At the limit the longest
/// waiting connection that has no request in progress (a silent one, a
/// half-sent head, a kept-alive idle one) is closed to make room, so slow
/// clients crowd out only each other and a health probe still gets in.
/// Only when every connection is serving a request (or an event stream) is
/// the newcomer refused: a 503 with `Retry-After`, written at once, before
/// anything is read (``RefusalHandler``). Either way the number of open
/// descriptors stays bounded by the limit.
public final class ConnectionGate: Sendable {
    public enum Admission: Sendable {
        case admitted(id: Int)
        /// Admitted once `evicted` (the longest waiting idle connection) is closed.
        case admittedEvicting(id: Int, evicted: any Channel)
        case refused
    }

    /// What the gate has seen, for `/metrics` and tests.
    public struct Counts: Sendable, Equatable {
        public var open = 0
        public var busy = 0
        public var admitted: UInt64 = 0
        public var evicted: UInt64 = 0
        public var refused: UInt64 = 0
        public var timedOut: UInt64 = 0
        public var lingering = 0
    }

    private struct Entry {
        let channel: any Channel
        /// When it started waiting for a request head; nil while a request is in progress.
        var waitingSince: NIODeadline?
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        var counts = Counts()
    }

    public let limit: Int
    public let maxLingeringRefusals: Int
    private let state = Mutex(State())

    public init(limit: Int, maxLingeringRefusals: Int) {
        self.limit = max(1, limit)
        self.maxLingeringRefusals = max(0, maxLingeringRefusals)
    }

    public func admit(_ channel: any Channel, now: NIODeadline = .now()) -> Admission {
        state.withLock { state in
            var evicted: (any Channel)?
            if state.entries.count >= limit {
                guard let oldest = state.entries
                    .compactMap({ id, entry in entry.waitingSince.map { (id, $0) } })
                    .min(by: { $0.1 < $1.1 }) else {
                    state.counts.refused += 1
                    return .refused
                }
                evicted = state.entries.removeValue(forKey: oldest.0)?.channel
                state.counts.evicted += 1
            }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, waitingSince: now)
            state.counts.admitted += 1
            if let evicted { return .admittedEvicting(id: id, evicted: evicted) }
            return .admitted(id: id)
        }
    }

    /// A request head arrived: the connection is no longer one to evict.
    func requestStarted(_ id: Int) {
        state.withLock { $0.entries[id]?.waitingSince = nil }
    }

    /// Its last response ended: it waits for a next request (evictable again).
    func requestsFinished(_ id: Int, now: NIODeadline = .now()) {
        state.withLock { $0.entries[id]?.waitingSince = now }
    }

    func closed(_ id: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    func timedOut() {
        state.withLock { $0.counts.timedOut += 1 }
    }

    /// A refusal starts; true if it may linger (see ``ConnectionPolicy/maxLingeringRefusals``).
    func lingerStarted() -> Bool {
        state.withLock { state in
            guard state.counts.lingering < maxLingeringRefusals else { return false }
            state.counts.lingering += 1
            return true
        }
    }

    func lingerEnded() {
        state.withLock { $0.counts.lingering -= 1 }
    }

    public var counts: Counts {
        state.withLock { state in
            var counts = state.counts
            counts.open = state.entries.count
            counts.busy = state.entries.values.filter { $0.waitingSince == nil }.count
            return counts
        }
    }
}
