/// Windows sent to the coordinator and not yet acknowledged, oldest first.
///
/// Bounded in count and in bytes: when full, the oldest are dropped (and
/// counted) so a long coordinator outage costs old history, never the
/// agent's memory or its spool's disk. After a reconnect everything still
/// here is resent in order; the coordinator's de-duplication by (agent,
/// epoch, sequence) makes that safe.
public struct UnackedWindows<Payload: Sendable>: Sendable {
    public struct Entry: Sendable {
        public let key: WindowKey
        public let payload: Payload
        /// The payload's size, for the byte bound.
        public let bytes: Int
        /// When it was last sent (ms), to pace resends.
        public var lastSentMs: Int64
        /// False while it waits for the agent's hello to go out first.
        public var sent: Bool
    }

    public let capacity: Int
    public let maxBytes: Int
    public private(set) var entries: [Entry] = []
    /// The sum of the entries' sizes.
    public private(set) var bytes = 0
    /// Windows dropped because the buffer was full, since the agent started.
    public private(set) var droppedTotal: UInt64 = 0
    /// Windows sent again after a first send went unacked.
    public private(set) var resentTotal: UInt64 = 0

    public init(capacity: Int, maxBytes: Int = .max) {
        precondition(capacity > 0 && maxBytes > 0, "UnackedWindows bounds must be positive")
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds a window just sent at `sentMs`, or not sent yet (nil); returns
    /// the keys of the windows dropped to make room, oldest first. A window
    /// larger than `maxBytes` on its own is kept (alone): the count bound
    /// still holds, and dropping the newest would lose the latest data.
    @discardableResult
    public mutating func append(_ key: WindowKey, payload: Payload, bytes size: Int = 0, sentMs: Int64?) -> [WindowKey] {
        var dropped: [WindowKey] = []
        while let oldest = entries.first, entries.count >= capacity || bytes + size > maxBytes {
            entries.removeFirst()
            bytes -= oldest.bytes
            droppedTotal += 1
            dropped.append(oldest.key)
        }
        entries.append(Entry(key: key, payload: payload, bytes: size, lastSentMs: sentMs ?? 0, sent: sentMs != nil))
        bytes += size
        return dropped
    }

    /// Removes an acknowledged (or refused) window; returns whether it was here.
    @discardableResult
    public mutating func acknowledge(_ key: WindowKey) -> Bool {
        guard let index = entries.firstIndex(where: { $0.key == key }) else { return false }
        bytes -= entries.remove(at: index).bytes
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
