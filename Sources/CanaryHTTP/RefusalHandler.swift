import NIOCore

/// Beyond the limit: a whole 503 response written straight to the socket,
/// and the connection closed. The refusal waits (at most a second) for the
/// request head, so that the client reads the 503 as the answer to what it
/// sent, and then drains its input until it closes or the second is over,
/// so that it reads the 503 rather than a reset. Only a bounded number of
/// refusals may wait at once (``ConnectionPolicy/maxLingeringRefusals``);
/// beyond that the 503 is written at once and the connection closed.
final class RefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let response: ByteBuffer
    let gate: ConnectionGate
    private var started = false
    private var responded = false
    private var lingering = false
    /// The last bytes read, to find the blank line that ends the head.
    private var tail: [UInt8] = []
    private static let headEnd: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A]

    init(policy: ConnectionPolicy, gate: ConnectionGate) {
        let body = Array(policy.refusalBody.utf8)
        response = ByteBuffer(string: "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
            + "retry-after: \(policy.retryAfterSeconds)\r\nconnection: close\r\ncontent-length: \(body.count)\r\n\r\n"
            + String(decoding: body, as: UTF8.self))
        self.gate = gate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { begin(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context)
        context.fireChannelActive()
    }

    private func begin(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        lingering = gate.lingerStarted()
        guard lingering else { return respond(context, thenClose: true) }
        let channel = context.channel
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) { [self] in
            if !responded { respond(context, thenClose: true) } else { channel.close(promise: nil) }
        }
    }

    private func respond(_ context: ChannelHandlerContext, thenClose: Bool) {
        guard !responded else { return }
        responded = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
            if thenClose { return channel.close(promise: nil) }
            channel.close(mode: .output).whenFailure { _ in channel.close(promise: nil) }
        }
    }

    /// Nothing the refused client sends reaches the HTTP decoder; the end
    /// of its head is the moment to answer.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !responded else { return }
        let buffer = unwrapInboundIn(data)
        tail += buffer.readableBytesView
        if tail.count >= 4, tail.indices.dropLast(3).contains(where: { tail[$0..<$0 + 4].elementsEqual(Self.headEnd) }) {
            respond(context, thenClose: false)
        }
        tail = Array(tail.suffix(3))
    }

    func channelInactive(context: ChannelHandlerContext) {
        if lingering { gate.lingerEnded() }
        lingering = false
        context.fireChannelInactive()
    }

    /// The client sends nothing more: answer if not yet, and close.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .inputClosed? = event as? ChannelEvent else { return context.fireUserInboundEventTriggered(event) }
        if responded { context.close(promise: nil) } else { respond(context, thenClose: true) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension RefusalHandler: Sendable {}
