import CZeroMQ

/// One zmq socket (`zmq_socket`), closed exactly once: by `close()` or on deinit.
///
/// Not `Sendable` on purpose: a zmq socket must be used from one thread only.
/// Create it on the thread that uses it (a `SocketLoop` does that for you) and
/// never hand it to another. After `close()` every call throws `.notSocket`;
/// a second close is a no-op, so double close cannot happen.
public final class Socket {
    /// `nil` once closed; the only place the raw handle lives.
    private var rawHandle: UnsafeMutableRawPointer?
    public let kind: SocketKind
    /// Keeps the context alive (and unterminated) while the socket is open.
    public let context: ZeroMQContext
    /// Reused receive buffer: `zmq_msg_recv` releases the previous content itself.
    var scratch = Message()

    /// Wraps `zmq_socket`.
    public init(_ context: ZeroMQContext, _ kind: SocketKind) throws(ZeroMQError) {
        self.context = context
        self.kind = kind
        rawHandle = try zmqCall("zmq_socket", kind.description) { zmq_socket(context.handle, kind.rawValue) }
    }

    deinit { close() }

    /// Whether `close()` has been called.
    public var isClosed: Bool { rawHandle == nil }

    /// The open handle, or `.notSocket` naming the attempted call.
    @inline(__always)
    func handle(for call: String) throws(ZeroMQError) -> UnsafeMutableRawPointer {
        guard let rawHandle else {
            throw ZeroMQError(code: .notSocket, call: call, detail: "socket closed")
        }
        return rawHandle
    }

    /// Closes the socket (`zmq_close`). Pending outbound messages are kept for
    /// the socket's linger period by libzmq's I/O thread. Idempotent.
    public func close() {
        guard let handle = rawHandle else { return }
        rawHandle = nil
        zmq_close(handle)
    }

    /// Wraps `zmq_bind`. Use `tcp://127.0.0.1:*` and read `lastEndpoint` for an ephemeral port.
    public func bind(_ endpoint: String) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_bind")
        try zmqCall("zmq_bind", endpoint) { zmq_bind(handle, endpoint) }
    }

    /// Wraps `zmq_connect`. Connecting is asynchronous: it succeeds before a peer exists.
    public func connect(_ endpoint: String) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_connect")
        try zmqCall("zmq_connect", endpoint) { zmq_connect(handle, endpoint) }
    }

    /// Wraps `zmq_unbind`; pass the resolved `lastEndpoint`, not the wildcard.
    public func unbind(_ endpoint: String) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_unbind")
        try zmqCall("zmq_unbind", endpoint) { zmq_unbind(handle, endpoint) }
    }

    /// Wraps `zmq_disconnect`.
    public func disconnect(_ endpoint: String) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_disconnect")
        try zmqCall("zmq_disconnect", endpoint) { zmq_disconnect(handle, endpoint) }
    }

    /// The endpoint last bound or connected, with wildcards resolved
    /// (`ZMQ_LAST_ENDPOINT`), e.g. `tcp://127.0.0.1:41234`.
    public var lastEndpoint: String {
        get throws(ZeroMQError) { try get(.lastEndpoint) }
    }
}
