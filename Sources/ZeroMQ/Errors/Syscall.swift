import CZeroMQ

/// Runs one libzmq call, retrying `EINTR`, and turns `-1` into a `ZeroMQError`
/// naming the call, like swift-nio's `System.swift` does for syscalls.
///
/// Every libzmq call that can fail goes through here, so `EINTR` is handled in
/// exactly one place: a signal (e.g. SIGTERM delivering graceful shutdown)
/// must never surface as a spurious error from a blocking receive.
@inline(__always)
@discardableResult
func zmqCall(
    _ call: String,
    _ detail: @autoclosure () -> String? = nil,
    _ body: () -> Int32
) throws(ZeroMQError) -> Int32 {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZeroMQError(code: .init(rawValue: code), call: call, detail: detail())
    }
}

/// Same as `zmqCall` for calls returning a pointer (NULL on failure).
@inline(__always)
func zmqCall<Pointer>(
    _ call: String,
    _ detail: @autoclosure () -> String? = nil,
    _ body: () -> Pointer?
) throws(ZeroMQError) -> Pointer {
    while true {
        if let result = body() { return result }
        let code = zmq_errno()
        if code == EINTR { continue }
        throw ZeroMQError(code: .init(rawValue: code), call: call, detail: detail())
    }
}

/// `Array.withUnsafeBytes` with a typed throw (the standard library's is `rethrows`).
@inline(__always)
func withBytes<R>(
    of array: [UInt8],
    _ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R
) throws(ZeroMQError) -> R {
    let result: Result<R, ZeroMQError> = array.withUnsafeBytes { bytes in
        do throws(ZeroMQError) { return .success(try body(bytes)) } catch { return .failure(error) }
    }
    return try result.get()
}
