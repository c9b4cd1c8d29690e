import CZeroMQ

/// A failed libzmq call: which call, on what (endpoint, option), and why.
///
/// Match on `code` (`error.code == .wouldBlock`), not on the message text:
/// `Code` is a struct so new codes never break an exhaustive `switch`.
public struct ZeroMQError: Error, Sendable, Hashable, CustomStringConvertible {
    /// An errno value as libzmq reports it (system errno or a `ZMQ_HAUSNUMERO` code).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `EAGAIN`: a non-blocking call could not complete now, or a timeout expired.
        public static let wouldBlock = Code(rawValue: EAGAIN)
        /// `ETERM`: the context was terminated; close the socket.
        public static let contextTerminated = Code(rawValue: ETERM)
        /// `EINTR`: interrupted by a signal (retried internally, never thrown by this module).
        public static let interrupted = Code(rawValue: EINTR)
        /// `EINVAL`: a bad argument: unknown option, malformed endpoint or key.
        public static let invalidArgument = Code(rawValue: EINVAL)
        /// `EPROTONOSUPPORT`: the endpoint's transport is unknown.
        public static let protocolNotSupported = Code(rawValue: EPROTONOSUPPORT)
        /// `EADDRINUSE`: the endpoint is already bound.
        public static let addressInUse = Code(rawValue: EADDRINUSE)
        /// `EADDRNOTAVAIL`: the address is not local.
        public static let addressNotAvailable = Code(rawValue: EADDRNOTAVAIL)
        /// `ENODEV`: the network interface does not exist.
        public static let noDevice = Code(rawValue: ENODEV)
        /// `ENOENT`: unbind/disconnect of an endpoint that was not bound/connected.
        public static let noEntry = Code(rawValue: ENOENT)
        /// `ENOTSOCK`: the socket was closed.
        public static let notSocket = Code(rawValue: ENOTSOCK)
        /// `EHOSTUNREACH`: ROUTER (mandatory) has no peer with that routing id.
        public static let hostUnreachable = Code(rawValue: EHOSTUNREACH)
        /// `EFSM`: the operation is not allowed in the socket's state (e.g. REQ sending twice).
        public static let invalidState = Code(rawValue: EFSM)
        /// `ENOTSUP`: the socket kind does not support the operation.
        public static let notSupported = Code(rawValue: ENOTSUP)

        public var description: String { String(cString: zmq_strerror(rawValue)) }
    }

    public let code: Code
    /// The C function (or wrapper operation) that failed, e.g. `"zmq_bind"`.
    public let call: String
    /// What it was called with: the endpoint, the option name, the socket id.
    public let detail: String?

    public init(code: Code, call: String, detail: String? = nil) {
        self.code = code
        self.call = call
        self.detail = detail
    }

    /// The raw errno.
    public var errno: Int32 { code.rawValue }

    /// libzmq's text for the errno (`zmq_strerror`).
    public var message: String { code.description }

    public var description: String {
        if let detail {
            return "\(call)(\(detail)) failed: \(message) (errno \(code.rawValue))"
        }
        return "\(call) failed: \(message) (errno \(code.rawValue))"
    }
}
