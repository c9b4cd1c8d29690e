import CZeroMQ

/// A socket type (`ZMQ_DEALER`, `ZMQ_ROUTER`, …) as passed to `zmq_socket`.
public struct SocketKind: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let pair = SocketKind(rawValue: ZMQ_PAIR)
    public static let pub = SocketKind(rawValue: ZMQ_PUB)
    public static let sub = SocketKind(rawValue: ZMQ_SUB)
    public static let req = SocketKind(rawValue: ZMQ_REQ)
    public static let rep = SocketKind(rawValue: ZMQ_REP)
    public static let dealer = SocketKind(rawValue: ZMQ_DEALER)
    public static let router = SocketKind(rawValue: ZMQ_ROUTER)
    public static let pull = SocketKind(rawValue: ZMQ_PULL)
    public static let push = SocketKind(rawValue: ZMQ_PUSH)

    public var description: String {
        switch self {
        case .pair: "PAIR"
        case .pub: "PUB"
        case .sub: "SUB"
        case .req: "REQ"
        case .rep: "REP"
        case .dealer: "DEALER"
        case .router: "ROUTER"
        case .pull: "PULL"
        case .push: "PUSH"
        default: "socket(\(rawValue))"
        }
    }
}
