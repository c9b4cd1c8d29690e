import CZeroMQ

/// Readiness bits of `zmq_poll` (`ZMQ_POLLIN`, `ZMQ_POLLOUT`, `ZMQ_POLLERR`).
public struct PollEvents: OptionSet, Hashable, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// Waits on several sockets (and plain file descriptors) at once with `zmq_poll`.
///
/// Level-triggered, unlike `ZMQ_FD`. Not `Sendable`: it holds sockets, so it
/// lives on their thread.
public struct Poller {
    private var sockets: [Socket?] = []
    private var items: [zmq_pollitem_t] = []

    public init() {}

    /// Watches `socket` for `events`; returns the index to read `events(at:)` with.
    @discardableResult
    public mutating func add(_ socket: Socket, events: PollEvents) -> Int {
        sockets.append(socket)
        items.append(zmq_pollitem_t(socket: nil, fd: -1, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Watches a file descriptor (e.g. a wake-up pipe) for `events`.
    @discardableResult
    public mutating func add(fileDescriptor: Int32, events: PollEvents) -> Int {
        sockets.append(nil)
        items.append(zmq_pollitem_t(socket: nil, fd: fileDescriptor, events: events.rawValue, revents: 0))
        return items.count - 1
    }

    /// Changes what item `index` waits for (empty: ignore it this round).
    public mutating func setEvents(_ events: PollEvents, at index: Int) {
        items[index].events = events.rawValue
    }

    /// What item `index` was ready for after the last `poll`.
    public func events(at index: Int) -> PollEvents { PollEvents(rawValue: items[index].revents) }

    public var count: Int { items.count }

    /// Wraps `zmq_poll`. Returns how many items are ready (0 on timeout).
    /// - Parameter timeout: `nil` waits forever, `.zero` just checks.
    @discardableResult
    public mutating func poll(timeout: Duration?) throws(ZeroMQError) -> Int {
        for index in items.indices {
            items[index].revents = 0
            if let socket = sockets[index] {
                // A socket closed since `add` becomes an inert item rather than a
                // dangling handle: libzmq's poll() ignores fd -1.
                items[index].socket = socket.isClosed ? nil : try socket.handle(for: "zmq_poll")
                if socket.isClosed { items[index].events = 0 }
            }
        }
        // Rounded up: a truncated 0.4 ms would turn a wait into a busy loop.
        let milliseconds = timeout.map { Int($0.milliseconds) + ($0 > .milliseconds($0.milliseconds) ? 1 : 0) } ?? -1
        let count = Int32(items.count)
        return Int(try items.withUnsafeMutableBufferPointer { (buffer) throws(ZeroMQError) in
            try zmqCall("zmq_poll", "\(count) items") { zmq_poll(buffer.baseAddress, count, milliseconds) }
        })
    }
}
