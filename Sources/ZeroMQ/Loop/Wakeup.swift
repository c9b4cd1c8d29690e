#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Wakes a thread blocked in `zmq_poll` from any thread: a non-blocking pipe
/// whose read end is one of the poll items.
///
/// A pipe rather than an inproc PAIR because writing to it is thread-safe:
/// a PAIR socket would need a lock around every `zmq_send` from foreign threads.
/// The `armed` flag keeps it to one `write` per wake-up, however many
/// messages are enqueued meanwhile.
final class Wakeup: Sendable {
    let readFD: Int32
    private let writeFD: Int32
    private let armed = Atomic<Bool>(false)

    init() throws(ZeroMQError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw ZeroMQError(code: .init(rawValue: errno), call: "pipe", detail: "socket loop wake-up")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readFD = fds[0]
        writeFD = fds[1]
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    /// Wakes the loop (from any thread).
    func signal() {
        guard !armed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        // EAGAIN (pipe full) means a wake-up is already pending; EINTR is retried.
        while write(writeFD, &byte, 1) < 0 && errno == EINTR {}
    }

    /// Called by the loop when the read end is readable, before it takes the queued work.
    func reset() {
        var buffer = (UInt64(0), UInt64(0))
        while true {
            let count = withUnsafeMutableBytes(of: &buffer) { read(readFD, $0.baseAddress, $0.count) }
            if count > 0 || (count < 0 && errno == EINTR) { continue }
            break
        }
        armed.store(false, ordering: .releasing)
    }
}
