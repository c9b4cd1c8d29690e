/// One ZAP authentication request (RFC 27), as libzmq sends it to
/// `inproc://zeromq.zap.01` for every new connection of a secured socket.
public struct ZAPRequest: Sendable, Hashable {
    /// `ZMQ_ZAP_DOMAIN` of the server socket ("" if unset).
    public let domain: String
    /// The peer's IP address (or "" for inproc/ipc).
    public let address: String
    /// The server socket's `ZMQ_ROUTING_ID` (often empty).
    public let routingID: [UInt8]
    /// "NULL", "PLAIN" or "CURVE".
    public let mechanism: String
    /// Mechanism-specific: CURVE sends the client's 32-byte public key, PLAIN user and password.
    public let credentials: [[UInt8]]

    public init(domain: String, address: String, routingID: [UInt8], mechanism: String, credentials: [[UInt8]]) {
        self.domain = domain
        self.address = address
        self.routingID = routingID
        self.mechanism = mechanism
        self.credentials = credentials
    }

    /// For CURVE, the client's public key as Z85 text (compare with an allow-list).
    public var clientPublicKey: String? {
        guard mechanism == "CURVE", let key = credentials.first, key.count == 32 else { return nil }
        return try? Z85.encode(key)
    }
}

/// The answer to a `ZAPRequest`.
public enum ZAPDecision: Sendable, Hashable {
    /// Status 200; `userID` becomes the messages' "User-Id" metadata.
    case allow(userID: String = "")
    /// Status 400: the connection is refused.
    case deny(reason: String)
}
