/// Names one socket of a `SocketLoop` ("reports", "routes").
public struct SocketID: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let name: String
    public init(_ name: String) { self.name = name }
    public init(stringLiteral name: String) { self.name = name }
    public var description: String { name }
}

/// One received multipart message and the socket it came from.
/// For a ROUTER the first frame is the sender's routing id.
public struct InboundMessage: Sendable, Hashable {
    public let socket: SocketID
    public let frames: [[UInt8]]
    /// The "User-Id" a ZAP handler gave the sending connection (for CURVE,
    /// what identifies the peer's key); nil when none authenticated it.
    public let userID: String?
    public init(socket: SocketID, frames: [[UInt8]], userID: String? = nil) {
        self.socket = socket
        self.frames = frames
        self.userID = userID
    }
}
