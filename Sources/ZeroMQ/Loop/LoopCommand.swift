/// Work handed to a `SocketLoop`'s thread.
enum LoopCommand: Sendable {
    /// Send `frames` on the socket; resume `completion` once libzmq accepted them.
    case send(SocketID, [[UInt8]], completion: CheckedContinuation<Void, any Error>?)
    /// Run a closure with the sockets.
    case run(@Sendable (SocketSet) -> Void)
}

/// A send waiting for its socket to become writable.
struct PendingSend {
    let frames: [[UInt8]]
    let completion: CheckedContinuation<Void, any Error>?
}
