/// Windows sent to the coordinator and not yet acknowledged, oldest first.
///
/// Bounded: when full, the oldest is dropped (and counted) so a long
/// coordinator outage costs old history, never the agent's memory. After a
/// reconnect everything still here is resent in order; the coordinator's
/// de-duplication by (agent, epoch, sequence) makes that safe.
public struct UnackedWindows<Payload: Sendable>: Sendable {
    public struct Entry: Sendable {
        public let sequence: UInt64
        public let payload: Payload
        /// When it was last sent (ms), to pace resends.
        public var lastSentMs: Int64
        /// False while it waits for the agent's hello to go out first.
        public var sent: Bool
    }

    public let capacity: Int
    public private(set) var entries: [Entry] = []
    /// Windows dropped because the buffer was full, since the agent started.
    public private(set) var droppedTotal: UInt64 = 0
    /// Windows sent again after a first send went unacked.
    public private(set) var resentTotal: UInt64 = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "UnackedWindows capacity must be positive")
        self.capacity = capacity
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds a window just sent at `sentMs`, or not sent yet (nil); returns
    /// the sequence of a dropped window, if any.
    @discardableResult
    public mutating func append(sequence: UInt64, payload: Payload, sentMs: Int64?) -> UInt64? {
        var dropped: UInt64?
        if entries.count >= capacity {
            dropped = entries.removeFirst().sequence
            droppedTotal += 1
        }
        entries.append(Entry(sequence: sequence, payload: payload, lastSentMs: sentMs ?? 0, sent: sentMs != nil))
        return dropped
    }

    /// Removes an acknowledged (or refused) window; returns whether it was here.
    @discardableResult
    public mutating func acknowledge(_ sequence: UInt64) -> Bool {
        guard let index = entries.firstIndex(where: { $0.sequence == sequence }) else { return false }
        entries.remove(at: index)
        return true
    }

    /// The windows to send again (oldest first) whose last send is older
    /// than `olderThanMs`; marks them as sent at `nowMs`.
    public mutating func takeForResend(nowMs: Int64, olderThanMs: Int64) -> [Entry] {
        var due: [Entry] = []
        for index in entries.indices where nowMs - entries[index].lastSentMs >= olderThanMs {
            if entries[index].sent { resentTotal &+= 1 }
            entries[index].lastSentMs = nowMs
            entries[index].sent = true
            due.append(entries[index])
        }
        return due
    }

    /// The windows never sent yet (oldest first); marks them sent at `nowMs`.
    public mutating func takeUnsent(nowMs: Int64) -> [Entry] {
        var due: [Entry] = []
        for index in entries.indices where !entries[index].sent {
            entries[index].lastSentMs = nowMs
            entries[index].sent = true
            due.append(entries[index])
        }
        return due
    }
}
