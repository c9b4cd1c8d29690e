import CZeroMQ
import Foundation
import Synchronization

/// A libzmq context (`zmq_ctx_new`): the I/O threads and the `inproc://`
/// namespace. Create one per process (or per test) and share it.
///
/// `@unchecked Sendable`: a zmq context is documented thread-safe; the only
/// mutable Swift state is the terminated flag, behind a `Mutex`.
public final class ZeroMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let terminated = Mutex(false)

    /// Wraps `zmq_ctx_new`.
    ///
    /// - Parameters:
    ///   - ioThreads: libzmq I/O threads (`ZMQ_IO_THREADS`); one is plenty below ~1 GB/s.
    ///   - blocky: `ZMQ_BLOCKY`. Defaults to `false`, which gives every new socket
    ///     a linger of 0 so that terminating a context never hangs on undeliverable
    ///     messages; set a linger explicitly where pending messages must be flushed.
    public init(ioThreads: Int = 1, blocky: Bool = false) throws(ZeroMQError) {
        handle = try zmqCall("zmq_ctx_new") { zmq_ctx_new() }
        // A fresh context accepts both options; failure here is a programming error.
        zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads))
        zmq_ctx_set(handle, ZMQ_BLOCKY, blocky ? 1 : 0)
    }

    /// Makes every blocking call on this context's sockets return `ETERM`
    /// without waiting (`zmq_ctx_shutdown`). Safe from any thread.
    public func shutdown() {
        if terminated.withLock({ $0 }) { return }
        zmq_ctx_shutdown(handle)
    }

    /// Terminates the context (`zmq_ctx_term`), exactly once.
    ///
    /// Blocks until every socket of the context is closed and its linger has
    /// expired, so never call it on Swift's cooperative pool; `SocketLoop`
    /// calls it on its own thread.
    public func terminate() {
        let first = terminated.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        _ = try? zmqCall("zmq_ctx_term") { zmq_ctx_term(handle) }
    }

    /// `terminate()` on a thread of its own, awaited without blocking a
    /// cooperative thread: for a context shared by loops and a `ZAPHandler`,
    /// once they have all stopped.
    public func terminateOnOwnThread() async {
        let exit = ThreadExit()
        let thread = Thread { [self] in
            terminate()
            exit.signal()
        }
        thread.name = "zmq.ctx.term"
        thread.start()
        await exit.wait()
    }

    deinit {
        // Every socket keeps its context alive, so by now all are closed and
        // this cannot block longer than their linger.
        terminate()
    }
}
