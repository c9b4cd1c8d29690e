extension SocketLoop {
    /// How to create one socket of the loop. `setup` runs on the loop's thread,
    /// right after `zmq_socket`: set options, then bind or connect.
    public struct SocketSpec: Sendable {
        public let id: SocketID
        public let kind: SocketKind
        public let setup: @Sendable (Socket) throws -> Void

        public init(_ id: SocketID, _ kind: SocketKind, setup: @escaping @Sendable (Socket) throws -> Void) {
            self.id = id
            self.kind = kind
            self.setup = setup
        }
    }

    /// A callback run on the loop's thread every `interval` (heartbeats, resends).
    public struct Tick: Sendable {
        public let interval: Duration
        public let action: @Sendable (SocketSet) -> Void
        public init(every interval: Duration, _ action: @escaping @Sendable (SocketSet) -> Void) {
            self.interval = interval
            self.action = action
        }
    }

    public struct Configuration: Sendable {
        /// The thread's name (shows in debuggers and `top -H`).
        public var name: String
        /// `ZMQ_LINGER` applied to every socket at shutdown: how long undelivered
        /// messages may delay `shutdown()`. Bounded on purpose; never infinite.
        public var shutdownLinger: Duration
        /// Received messages buffered for the consumer. When full the loop stops
        /// reading, so zmq's receive high-water mark pushes back on the peers
        /// instead of this process growing or dropping.
        public var inboundCapacity: Int
        /// Messages `enqueue` accepts before throwing `.wouldBlock`.
        public var outboundCapacity: Int
        /// Optional periodic callback.
        public var tick: Tick?

        public init(
            name: String = "zmq.loop",
            shutdownLinger: Duration = .milliseconds(250),
            inboundCapacity: Int = 4096,
            outboundCapacity: Int = 65_536,
            tick: Tick? = nil
        ) {
            self.name = name
            self.shutdownLinger = shutdownLinger
            self.inboundCapacity = max(1, inboundCapacity)
            self.outboundCapacity = max(1, outboundCapacity)
            self.tick = tick
        }
    }
}
