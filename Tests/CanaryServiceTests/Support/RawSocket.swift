import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain non-blocking TCP client socket on loopback, for the tests that
/// must send half a request (slowloris, timeouts) — what no HTTP client
/// does. Every wait polls with a zero timeout between short sleeps, so no
/// cooperative thread is ever blocked.
final class RawSocket: @unchecked Sendable {  // used from one test task at a time
    let fd: Int32
    private(set) var received = [UInt8]()
    private(set) var closedByPeer = false

    /// Starts a connection to 127.0.0.1:`port` (it completes in the background).
    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw TestFailure("connect() failed: \(reason)")
        }
    }

    deinit { close(fd) }

    /// Whether the connection is established (writable) right now.
    var isConnected: Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        guard poll(&entry, 1, 0) == 1, entry.revents & Int16(POLLOUT) != 0 else { return false }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error == 0
    }

    /// Sends what fits now; false if the connection is gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads whatever has arrived; notes an end of stream or a reset.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { received += buffer[0..<count]; continue }
            if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closedByPeer = true }
            return
        }
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// Polls until `condition` holds (after draining) or `timeout` passes.
    func wait(_ timeout: Duration, until condition: (RawSocket) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            drain()
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        drain()
        return condition(self)
    }
}
