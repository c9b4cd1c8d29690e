import CZeroMQ
import Foundation
import Synchronization

/// A ZAP handler (RFC 27): a REP socket bound to `inproc://zeromq.zap.01` on
/// its own thread, answering libzmq's authentication requests for every
/// secured socket of one context with a user closure.
///
/// Start it before binding the secured sockets (libzmq asks the handler only
/// if one is bound when a peer connects); `stop()` it before terminating the
/// context. While no handler runs, CURVE servers accept any client key.
public final class ZAPHandler: Sendable {
    /// The inproc endpoint libzmq sends ZAP requests to (fixed by RFC 27).
    public static let endpoint = "inproc://zeromq.zap.01"

    /// Shared with the thread; a class so the thread does not keep the handler alive.
    private final class State: Sendable {
        let stopping = Atomic<Bool>(false)
        let exit = ThreadExit()
    }
    private let state = State()

    /// Binds the handler on a new thread and returns once it is bound
    /// (throws `.addressInUse` if the context already has a ZAP handler).
    public init(
        context: ZeroMQContext,
        decide: @escaping @Sendable (ZAPRequest) -> ZAPDecision
    ) async throws {
        let state = self.state
        try await withCheckedThrowingContinuation { (bound: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                let socket: Socket
                do throws(ZeroMQError) {
                    socket = try Socket(context, .rep)
                    try socket.set(.linger, .zero)
                    try socket.bind(ZAPHandler.endpoint)
                } catch {
                    state.exit.signal()
                    bound.resume(throwing: error)
                    return
                }
                bound.resume()
                ZAPHandler.serve(socket, state: state, decide: decide)
                socket.close()
                state.exit.signal()
            }
            thread.name = "zmq.zap"
            thread.start()
        }
    }

    /// Stops answering and waits for the thread to close its socket (at most
    /// one poll interval, 50 ms). Idempotent.
    public func stop() async {
        state.stopping.store(true, ordering: .releasing)
        await state.exit.wait()
    }

    deinit { state.stopping.store(true, ordering: .releasing) }

    /// The request/reply loop. Polls with a short timeout so `stop()` is noticed
    /// without a second socket; ETERM (context shut down) also ends it.
    private static func serve(_ socket: Socket, state: State, decide: (ZAPRequest) -> ZAPDecision) {
        var poller = Poller()
        poller.add(socket, events: .readable)
        while !state.stopping.load(ordering: .acquiring) {
            do {
                guard try poller.poll(timeout: .milliseconds(50)) > 0 else { continue }
                let frames = try socket.receiveMultipart()
                try socket.send(multipart: reply(to: frames, decide: decide))
            } catch {
                if error.code == .contextTerminated { return }
                // Anything else is one bad request; REP resets itself after a failed send.
            }
        }
    }

    /// RFC 27 request: version, request id, domain, address, identity,
    /// mechanism, credentials…; reply: version, request id, status code,
    /// status text, user id, metadata.
    static func reply(to frames: [[UInt8]], decide: (ZAPRequest) -> ZAPDecision) -> [[UInt8]] {
        let version = Array("1.0".utf8)
        guard frames.count >= 6, frames[0] == version else {
            let requestID = frames.count > 1 ? frames[1] : []
            return [version, requestID, Array("500".utf8), Array("malformed ZAP request".utf8), [], []]
        }
        let text = { (bytes: [UInt8]) in String(decoding: bytes, as: UTF8.self) }
        let request = ZAPRequest(
            domain: text(frames[2]), address: text(frames[3]), routingID: frames[4],
            mechanism: text(frames[5]), credentials: Array(frames.dropFirst(6))
        )
        switch decide(request) {
        case .allow(let userID):
            return [version, frames[1], Array("200".utf8), Array("OK".utf8), Array(userID.utf8), []]
        case .deny(let reason):
            return [version, frames[1], Array("400".utf8), Array(reason.utf8), [], []]
        }
    }
}
