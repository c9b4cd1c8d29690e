import Foundation

/// A set of zmq sockets owned by one dedicated OS thread: the bridge between
/// libzmq's thread-bound sockets and Swift concurrency.
///
/// The agent runs its DEALER + SUB on one loop, the coordinator its ROUTER +
/// PUB on another. Callers `send` (async, never blocking a cooperative
/// thread), iterate `messages`, `run` closures on the loop thread (options,
/// subscriptions), and `shutdown()`, which is bounded by the linger.
///
/// ```swift
/// let loop = try await SocketLoop(sockets: [
///     .init("reports", .router) { try $0.bind("tcp://*:7700") },
///     .init("routes", .pub) { try $0.bind("tcp://*:7701") },
/// ])
/// try await loop.send([peer, body], on: "reports")
/// for await message in loop.messages { … }
/// await loop.shutdown()
/// ```
public final class SocketLoop: Sendable {
    private let mailbox: LoopMailbox

    /// Every message received on any socket of the loop, in arrival order.
    public let messages: InboundMessages

    /// Starts the thread, creates the sockets there (running each spec's
    /// `setup`), and returns once they are ready; throws the first setup error.
    ///
    /// - Parameter context: share one to use `inproc://` across loops or a
    ///   `ZAPHandler`; the loop then leaves terminating it to you. With `nil`
    ///   the loop creates its own and terminates it at shutdown.
    public init(
        context: ZeroMQContext? = nil,
        configuration: Configuration = Configuration(),
        sockets specs: [SocketSpec]
    ) async throws {
        let mailbox = try LoopMailbox(configuration: configuration)
        let sharedContext = context
        self.mailbox = mailbox
        messages = InboundMessages(buffer: mailbox.inbound)

        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                // Even zmq_ctx_new happens here: no zmq call on the caller's (cooperative) thread.
                let ownsContext = sharedContext == nil
                let context: ZeroMQContext
                let sockets: SocketSet
                do {
                    context = try sharedContext ?? ZeroMQContext()
                } catch {
                    _ = mailbox.close()
                    mailbox.inbound.finish()
                    mailbox.exit.signal()
                    started.resume(throwing: error)
                    return
                }
                do {
                    sockets = try LoopThread.makeSockets(specs, context: context)
                } catch {
                    _ = mailbox.close()
                    if ownsContext { context.terminate() }
                    mailbox.inbound.finish()
                    mailbox.exit.signal()
                    started.resume(throwing: error)
                    return
                }
                started.resume()
                LoopThread(
                    mailbox: mailbox, configuration: configuration,
                    sockets: sockets, context: context, ownsContext: ownsContext
                ).run()
                mailbox.exit.signal()
            }
            thread.name = configuration.name
            thread.start()
        }
    }

    deinit {
        // Never blocks: the thread notices, closes its sockets and exits.
        mailbox.requestShutdown()
    }

    /// Sends a multipart message and returns once libzmq has accepted it
    /// (queued it for the peer). Waits, without blocking a thread, while the
    /// socket is at its high-water mark or has no peer (DEALER/PUSH).
    ///
    /// Throws `.contextTerminated` after shutdown, `.invalidArgument` for an
    /// unknown socket, or what `zmq_send` reported (e.g. `.hostUnreachable`).
    public func send(_ frames: [[UInt8]], on socket: SocketID) async throws {
        try await withCheckedThrowingContinuation { (completion: CheckedContinuation<Void, any Error>) in
            mailbox.queuedSends.add(1, ordering: .relaxed)
            if !mailbox.submit(.send(socket, frames, completion: completion)) {
                mailbox.queuedSends.subtract(1, ordering: .relaxed)
                completion.resume(throwing: Self.stopped("SocketLoop.send"))
            }
        }
    }

    /// Queues a multipart message without waiting; callable from any context.
    ///
    /// Throws `.wouldBlock` when `outboundCapacity` messages are already
    /// queued and `.contextTerminated` after shutdown. A later libzmq failure
    /// cannot be reported and drops the message; use `send` when it matters.
    public func enqueue(_ frames: [[UInt8]], on socket: SocketID) throws(ZeroMQError) {
        let queued = mailbox.queuedSends.add(1, ordering: .relaxed).newValue
        guard queued <= mailbox.outboundCapacity else {
            mailbox.queuedSends.subtract(1, ordering: .relaxed)
            throw ZeroMQError(code: .wouldBlock, call: "SocketLoop.enqueue", detail: "\(queued - 1) messages queued")
        }
        guard mailbox.submit(.send(socket, frames, completion: nil)) else {
            mailbox.queuedSends.subtract(1, ordering: .relaxed)
            throw Self.stopped("SocketLoop.enqueue")
        }
    }

    /// Runs `body` on the loop's thread with its sockets (set options,
    /// subscribe, connect elsewhere) and returns its result.
    public func run<Result: Sendable>(
        _ body: @escaping @Sendable (SocketSet) throws -> Result
    ) async throws -> Result {
        try await withCheckedThrowingContinuation { (completion: CheckedContinuation<Result, any Error>) in
            let accepted = mailbox.submit(.run { sockets in
                completion.resume(with: Swift.Result { try body(sockets) })
            })
            if !accepted { completion.resume(throwing: Self.stopped("SocketLoop.run")) }
        }
    }

    /// Stops the loop: pending sends fail with `.contextTerminated`, each
    /// socket gets `shutdownLinger` and is closed on the loop thread, an owned
    /// context is terminated, the thread exits, `messages` ends after what was
    /// already buffered. Returns when the thread has exited; idempotent.
    public func shutdown() async {
        mailbox.requestShutdown()
        await mailbox.exit.wait()
    }

    private static func stopped(_ call: String) -> ZeroMQError {
        ZeroMQError(code: .contextTerminated, call: call, detail: "socket loop shut down")
    }
}
