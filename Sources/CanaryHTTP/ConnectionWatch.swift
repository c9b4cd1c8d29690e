import Logging
import NIOCore

/// The deadlines of one connection (``ConnectionPolicy``), driven by what
/// its two handlers see: bytes arriving (``ByteArrivalHandler``, before the
/// HTTP decoder) and request and response parts (``RequestPhaseHandler``).
/// Lives on the connection's event loop; one timer at a time.
final class ConnectionWatch {
    enum Phase: String {
        case head = "request head", body = "request body", idle = "next request"
        case halfClosed = "end of the response after the client closed its side"
    }

    /// How long a response may still take once the client has closed its
    /// sending side (a probe like `nc` does that right after its request;
    /// an event-stream client that went away does it for good).
    static let halfClosedGrace: Duration = .seconds(5)

    let channel: any Channel
    let id: Int
    let policy: ConnectionPolicy
    let gate: ConnectionGate
    let logger: Logger
    /// Requests whose head was read and whose response has not ended.
    private var requestsOpen = 0
    private var readingRequest = false
    /// Bytes of a next request arrived since the last request was read
    /// (true at first: a fresh connection is waiting for its head).
    private var nextRequestStarted = true
    private var timer: Scheduled<Void>?

    init(channel: any Channel, id: Int, policy: ConnectionPolicy, gate: ConnectionGate, logger: Logger) {
        self.channel = channel
        self.id = id
        self.policy = policy
        self.gate = gate
        self.logger = logger
    }

    /// Accepted: the head must be complete within the header timeout.
    func start() { arm(.head) }

    func bytesArrived() {
        guard !readingRequest, !nextRequestStarted else { return }
        nextRequestStarted = true
        // The head's clock starts at its first byte, not again at each byte.
        if requestsOpen == 0 { arm(.head) }
    }

    func headRead() {
        requestsOpen += 1
        readingRequest = true
        nextRequestStarted = false
        gate.requestStarted(id)
        arm(.body)
    }

    func endRead() {
        readingRequest = false
        // The handler owns the connection until its response ends; if it
        // answered before the request's end was read (a refusal before the
        // body, or parts seen in that order), the wait for a next one starts now.
        if requestsOpen == 0 { waitForNextRequest() } else { disarm() }
    }

    func responseEnded() {
        requestsOpen = max(0, requestsOpen - 1)
        guard requestsOpen == 0, !readingRequest else { return }
        waitForNextRequest()
    }

    private func waitForNextRequest() {
        gate.requestsFinished(id)
        arm(nextRequestStarted ? .head : .idle)
    }

    /// The client will send nothing more: with nothing to answer, close
    /// now; with a response in progress, let it finish within a grace.
    func inputClosed() {
        guard requestsOpen == 0 || readingRequest else { return arm(.halfClosed) }
        channel.close(promise: nil)
    }

    func closed() {
        disarm()
        gate.closed(id)
    }

    private func timeout(_ phase: Phase) -> Duration {
        switch phase {
        case .head: policy.headerTimeout
        case .body: policy.bodyTimeout
        case .idle: policy.idleTimeout
        case .halfClosed: min(policy.headerTimeout, Self.halfClosedGrace)
        }
    }

    private func arm(_ phase: Phase) {
        disarm()
        let limit = timeout(phase)
        timer = channel.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limit)) { [self] in
            timer = nil
            gate.timedOut()
            logger.debug("HTTP connection from \(channel.remoteAddress?.description ?? "?") closed: no \(phase.rawValue) within \(limit)")
            channel.close(promise: nil)
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

/// Tells the watch that bytes arrived, before the HTTP decoder has a whole head.
final class ByteArrivalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let watch: ConnectionWatch

    init(watch: ConnectionWatch) { self.watch = watch }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        watch.bytesArrived()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        watch.closed()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed? = event as? ChannelEvent { watch.inputClosed() }
        context.fireUserInboundEventTriggered(event)
    }
}

@available(*, unavailable)
extension ByteArrivalHandler: Sendable {}

@available(*, unavailable)
extension ConnectionWatch: Sendable {}
