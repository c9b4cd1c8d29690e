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

/// Refuses a name `SegmentName` finds unusable, before any system call.
func checkSegmentName(_ name: String) throws(ShmError) {
    if let problem = SegmentName.problem(name) {
        throw ShmError(.invalidArgument, segment: name, detail: "invalid name: it \(problem)")
    }
}
