import CZeroMQ

// The options Canary uses. Any other is one line away:
// `SocketOption<Int32>(ZMQ_TOS, "ZMQ_TOS")`.

extension SocketOption where Value == Duration? {
    /// `ZMQ_LINGER`: how long `close` keeps undelivered messages; `nil` forever (libzmq's default, which can hang termination).
    public static var linger: Self { .init(ZMQ_LINGER, "ZMQ_LINGER") }
    /// `ZMQ_RCVTIMEO`: a blocking receive throws `.wouldBlock` after this; `nil` waits forever.
    public static var receiveTimeout: Self { .init(ZMQ_RCVTIMEO, "ZMQ_RCVTIMEO") }
    /// `ZMQ_SNDTIMEO`: a blocking send throws `.wouldBlock` after this; `nil` waits forever.
    public static var sendTimeout: Self { .init(ZMQ_SNDTIMEO, "ZMQ_SNDTIMEO") }
}

extension SocketOption where Value == Int32 {
    /// `ZMQ_SNDHWM`: queued outbound messages per peer before PUB drops / DEALER, PUSH block.
    public static var sendHighWaterMark: Self { .init(ZMQ_SNDHWM, "ZMQ_SNDHWM") }
    /// `ZMQ_RCVHWM`: queued inbound messages per peer before the peer is throttled (or PUB drops).
    public static var receiveHighWaterMark: Self { .init(ZMQ_RCVHWM, "ZMQ_RCVHWM") }
    /// `ZMQ_EVENTS` (read-only): `ZMQ_POLLIN` / `ZMQ_POLLOUT` bits; see `Socket.events`.
    public static var events: Self { .init(ZMQ_EVENTS, "ZMQ_EVENTS") }
    /// `ZMQ_FD` (read-only): edge-triggered readiness fd for foreign event loops.
    public static var fileDescriptor: Self { .init(ZMQ_FD, "ZMQ_FD") }
    /// `ZMQ_TYPE` (read-only).
    public static var type: Self { .init(ZMQ_TYPE, "ZMQ_TYPE") }
}

extension SocketOption where Value == Int64 {
    /// `ZMQ_MAXMSGSIZE`: a peer sending a larger frame is disconnected; -1 is no limit.
    public static var maxMessageSize: Self { .init(ZMQ_MAXMSGSIZE, "ZMQ_MAXMSGSIZE") }
}

extension SocketOption where Value == Duration {
    /// `ZMQ_HEARTBEAT_IVL`: send a ZMTP PING this often (0 disables).
    public static var heartbeatInterval: Self { .init(ZMQ_HEARTBEAT_IVL, "ZMQ_HEARTBEAT_IVL") }
    /// `ZMQ_HEARTBEAT_TIMEOUT`: drop the connection if nothing arrives this long after a PING.
    public static var heartbeatTimeout: Self { .init(ZMQ_HEARTBEAT_TIMEOUT, "ZMQ_HEARTBEAT_TIMEOUT") }
    /// `ZMQ_HEARTBEAT_TTL`: asks the peer to drop us after this much silence (rounded to 100 ms).
    public static var heartbeatTTL: Self { .init(ZMQ_HEARTBEAT_TTL, "ZMQ_HEARTBEAT_TTL") }
    /// `ZMQ_RECONNECT_IVL`: first delay before reconnecting a dropped connection.
    public static var reconnectInterval: Self { .init(ZMQ_RECONNECT_IVL, "ZMQ_RECONNECT_IVL") }
    /// `ZMQ_RECONNECT_IVL_MAX`: cap of the exponential reconnect back-off (0: no back-off).
    public static var reconnectIntervalMax: Self { .init(ZMQ_RECONNECT_IVL_MAX, "ZMQ_RECONNECT_IVL_MAX") }
}

extension SocketOption where Value == Bool {
    /// `ZMQ_IMMEDIATE`: queue only to completed connections, so DEALER/PUSH block instead of queueing for a peer that is not there.
    public static var immediate: Self { .init(ZMQ_IMMEDIATE, "ZMQ_IMMEDIATE") }
    /// `ZMQ_ROUTER_MANDATORY`: ROUTER fails with `.hostUnreachable` for an unknown routing id instead of dropping.
    public static var routerMandatory: Self { .init(ZMQ_ROUTER_MANDATORY, "ZMQ_ROUTER_MANDATORY") }
    /// `ZMQ_RCVMORE` (read-only): the last frame received has more frames following.
    public static var receiveMore: Self { .init(ZMQ_RCVMORE, "ZMQ_RCVMORE") }
    /// `ZMQ_CURVE_SERVER`: this socket is the CURVE server side.
    public static var curveServer: Self { .init(ZMQ_CURVE_SERVER, "ZMQ_CURVE_SERVER") }
}

extension SocketOption where Value == [UInt8] {
    /// `ZMQ_ROUTING_ID`: the identity a ROUTER peer sees for this socket (1–255 bytes, not starting with 0).
    public static var routingID: Self { .init(ZMQ_ROUTING_ID, "ZMQ_ROUTING_ID") }
    /// `ZMQ_SUBSCRIBE` (SUB, write-only): receive messages whose first frame starts with this prefix.
    public static var subscribe: Self { .init(ZMQ_SUBSCRIBE, "ZMQ_SUBSCRIBE") }
    /// `ZMQ_UNSUBSCRIBE` (SUB, write-only).
    public static var unsubscribe: Self { .init(ZMQ_UNSUBSCRIBE, "ZMQ_UNSUBSCRIBE") }
}

extension SocketOption where Value == String {
    /// `ZMQ_LAST_ENDPOINT` (read-only): see `Socket.lastEndpoint`.
    public static var lastEndpoint: Self { .init(ZMQ_LAST_ENDPOINT, "ZMQ_LAST_ENDPOINT") }
    /// `ZMQ_CURVE_SECRETKEY` (Z85).
    public static var curveSecretKey: Self { .init(ZMQ_CURVE_SECRETKEY, "ZMQ_CURVE_SECRETKEY") }
    /// `ZMQ_CURVE_PUBLICKEY` (Z85).
    public static var curvePublicKey: Self { .init(ZMQ_CURVE_PUBLICKEY, "ZMQ_CURVE_PUBLICKEY") }
    /// `ZMQ_CURVE_SERVERKEY` (Z85): the server's public key, on the client.
    public static var curveServerKey: Self { .init(ZMQ_CURVE_SERVERKEY, "ZMQ_CURVE_SERVERKEY") }
    /// `ZMQ_ZAP_DOMAIN`: the domain passed to the ZAP handler.
    public static var zapDomain: Self { .init(ZMQ_ZAP_DOMAIN, "ZMQ_ZAP_DOMAIN") }
}

extension Socket {
    /// `ZMQ_SUBSCRIBE` with a byte prefix (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws(ZeroMQError) { try set(.subscribe, prefix) }
    /// `ZMQ_SUBSCRIBE` with a UTF-8 topic prefix.
    public func subscribe(_ topic: String) throws(ZeroMQError) { try set(.subscribe, Array(topic.utf8)) }
    /// `ZMQ_UNSUBSCRIBE` with a byte prefix.
    public func unsubscribe(_ prefix: [UInt8]) throws(ZeroMQError) { try set(.unsubscribe, prefix) }
    /// `ZMQ_UNSUBSCRIBE` with a UTF-8 topic prefix.
    public func unsubscribe(_ topic: String) throws(ZeroMQError) { try set(.unsubscribe, Array(topic.utf8)) }

    /// Readiness right now (`ZMQ_EVENTS`).
    public var events: PollEvents {
        get throws(ZeroMQError) { PollEvents(rawValue: Int16(truncatingIfNeeded: try get(.events))) }
    }
}
