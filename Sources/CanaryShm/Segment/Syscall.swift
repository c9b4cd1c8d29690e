#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a system call, retrying `EINTR`, and turns `-1` into a typed error
/// naming the call and the segment (the NIOPosix `System.swift` pattern).
@inline(__always)
func syscall<T: FixedWidthInteger>(
    _ call: String, segment: String, _ body: () -> T
) throws(ShmError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let err = errno
        if err == EINTR { continue }
        throw ShmError(.systemCall, segment: segment, call: call, errno: err, detail: "\(call) failed")
    }
}

/// Validates a POSIX shm name: one leading slash, no other, 2…255 bytes.
func checkSegmentName(_ name: String) throws(ShmError) {
    let bytes = Array(name.utf8)
    guard bytes.count >= 2, bytes.count <= 255, bytes.first == UInt8(ascii: "/"),
          !bytes.dropFirst().contains(UInt8(ascii: "/")), !bytes.contains(0)
    else {
        throw ShmError(.invalidArgument, segment: name,
                       detail: "invalid name: use one leading '/' and no other, e.g. /canary.model.replica")
    }
}
