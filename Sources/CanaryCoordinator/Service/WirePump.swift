import CanaryConfig
import CanaryWire
import Logging
import ZeroMQ

/// The coordinator's sockets: a ROUTER for agents' reports and requests and
/// a PUB for route tables, both owned by one ``SocketLoop`` thread. Feeds the
/// engine and sends what it returns; never blocks on a slow or gone agent
/// (ROUTER drops replies to unknown peers, PUB drops at its high-water mark).
struct WirePump: Sendable {
    static let router: SocketID = "router"
    static let publisher: SocketID = "publisher"

    let loop: SocketLoop
    let engine: CoordinatorEngine
    let logger: Logger

    /// With `security`, both sockets are CURVE servers on its context.
    static func open(config: CoordinatorConfig, security: WireSecurity? = nil) async throws -> SocketLoop {
        let maxBytes = config.maxMessageBytes
        return try await SocketLoop(
            context: security?.context,
            configuration: .init(name: "canary.coordinator.zmq", shutdownLinger: .milliseconds(200)),
            sockets: [
                .init(router, .router) { socket in
                    try socket.set(.maxMessageSize, maxBytes)
                    try socket.set(.receiveHighWaterMark, 100_000)
                    try socket.set(.sendHighWaterMark, 100_000)
                    try socket.set(.heartbeatInterval, .seconds(1))
                    try socket.set(.heartbeatTimeout, .seconds(5))
                    try security?.secure(socket)
                    try socket.bind(config.routerEndpoint)
                },
                .init(publisher, .pub) { socket in
                    try socket.set(.sendHighWaterMark, 10_000)
                    try security?.secure(socket)
                    try socket.bind(config.publishEndpoint)
                },
            ])
    }

    /// The endpoints actually bound (resolves `:*` ports).
    static func boundEndpoints(_ loop: SocketLoop) async throws -> (router: String, publisher: String) {
        try await loop.run { sockets in
            (try sockets.socket(router).lastEndpoint, try sockets.socket(publisher).lastEndpoint)
        }
    }

    /// Reads until the loop shuts down.
    func pump(clock: @escaping @Sendable () -> ClockReading) async {
        for await message in loop.messages {
            guard message.socket == Self.router else { continue }
            guard message.frames.count >= 1 else { continue }
            let routingID = message.frames[0]
            let out = await engine.receive(routingID: routingID, frames: Array(message.frames.dropFirst()), now: clock(),
                                           peerKey: message.userID)
            send(out)
        }
    }

    func send(_ messages: [Outbound]) {
        for message in messages {
            do {
                switch message {
                case .reply(let routingID, let wire):
                    try loop.enqueue([routingID] + wire.encode(), on: Self.router)
                case .publish(let wire):
                    try loop.enqueue(wire.encode(), on: Self.publisher)
                }
            } catch {
                logger.warning("could not queue an outbound message: \(error)")
            }
        }
    }
}
