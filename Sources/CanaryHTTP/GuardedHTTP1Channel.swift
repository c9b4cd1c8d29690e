import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird's HTTP/1 child channel behind a ``ConnectionGate`` and the
/// deadlines of a ``ConnectionPolicy``: each accepted connection is
/// admitted (perhaps by closing the longest waiting idle one) or refused
/// with a 503, and an admitted one is closed when its head, body or next
/// request takes too long.
public struct GuardedHTTP1Channel: ServerChildChannel {
    public typealias Value = HTTP1Channel.Value

    let responder: HTTPChannelHandler.Responder
    let policy: ConnectionPolicy
    let gate: ConnectionGate
    let base: HTTP1Channel.Configuration

    public init(responder: @escaping HTTPChannelHandler.Responder, policy: ConnectionPolicy, gate: ConnectionGate,
                configuration: HTTP1Channel.Configuration = .init()) {
        self.responder = responder
        self.policy = policy
        self.gate = gate
        self.base = configuration
    }

    /// Runs on the new connection's event loop (the child channel initializer).
    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let id: Int
        switch gate.admit(channel) {
        case .refused:
            logger.debug("HTTP connection from \(channel.remoteAddress?.description ?? "?") refused: \(gate.limit) connections open, all busy")
            do {
                try channel.pipeline.syncOperations.addHandler(RefusalHandler(policy: policy, gate: gate), position: .first)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
            return HTTP1Channel(responder: responder, configuration: base).setup(channel: channel, logger: logger)
        case .admittedEvicting(let admitted, let evicted):
            logger.debug("HTTP connection from \(evicted.remoteAddress?.description ?? "?") closed to make room: \(gate.limit) connections open")
            evicted.close(promise: nil)
            id = admitted
        case .admitted(let admitted):
            id = admitted
        }
        let watch = ConnectionWatch(channel: channel, id: id, policy: policy, gate: gate, logger: logger)
        do {
            try channel.pipeline.syncOperations.addHandler(ByteArrivalHandler(watch: watch), position: .first)
        } catch {
            gate.closed(id)
            return channel.eventLoop.makeFailedFuture(error)
        }
        watch.start()
        // Built here, on the loop, and handed to Hummingbird's pipeline setup
        // (which places it after the HTTP codec) through a loop-bound box.
        let phase = NIOLoopBound(RequestPhaseHandler(watch: watch), eventLoop: channel.eventLoop)
        var configuration = base
        configuration.additionalChannelHandlers = { [phase.value] }
        return HTTP1Channel(responder: responder, configuration: configuration).setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await HTTP1Channel(responder: responder, configuration: base).handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// `server:` for a Hummingbird `Application`: HTTP/1 behind `gate` and `policy`'s deadlines.
    public static func guardedHTTP1(policy: ConnectionPolicy, gate: ConnectionGate) -> HTTPServerBuilder {
        .init { responder in GuardedHTTP1Channel(responder: responder, policy: policy, gate: gate) }
    }
}
