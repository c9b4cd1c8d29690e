import NIOCore

/// Beyond the limit: writes a whole 503 response straight to the socket
/// before reading anything, closes the output, and drops whatever the
/// client sends until it closes or a second has passed (lingering, so the
/// client reads the 503 rather than a reset), or closes at once when too
/// many refusals already linger.
final class RefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let response: ByteBuffer
    let gate: ConnectionGate
    private var started = false
    private var lingering = false

    init(policy: ConnectionPolicy, gate: ConnectionGate) {
        let body = Array(policy.refusalBody.utf8)
        response = ByteBuffer(string: "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
            + "retry-after: \(policy.retryAfterSeconds)\r\nconnection: close\r\ncontent-length: \(body.count)\r\n\r\n"
            + String(decoding: body, as: UTF8.self))
        self.gate = gate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
        context.fireChannelActive()
    }

    private func refuse(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        lingering = gate.lingerStarted()
        let channel = context.channel
        let linger = lingering
        context.writeAndFlush(wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
            guard linger else { return channel.close(promise: nil) }
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
            channel.eventLoop.scheduleTask(in: .seconds(1)) { channel.close(promise: nil) }
        }
    }

    /// Nothing the refused client sends reaches the HTTP decoder.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        if lingering { gate.lingerEnded() }
        lingering = false
        context.fireChannelInactive()
    }

    /// The client's end of input (it read the 503 and closed): close ours.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelEvent, case .inputClosed = event as? ChannelEvent { context.close(promise: nil) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension RefusalHandler: Sendable {}
