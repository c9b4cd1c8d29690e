import CZeroMQ

extension Socket {
    /// Sends one frame (`zmq_send`, which copies `bytes` once into a message).
    ///
    /// - Parameters:
    ///   - more: `ZMQ_SNDMORE`: another frame of the same message follows.
    ///   - nonBlocking: `ZMQ_DONTWAIT`: throw `.wouldBlock` instead of waiting
    ///     at the high-water mark (or, for DEALER/PUSH, with no peer).
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, nonBlocking: Bool = false) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (nonBlocking ? ZMQ_DONTWAIT : 0)
        try zmqCall("zmq_send", kind.description) { zmq_send(handle, bytes.baseAddress, bytes.count, flags) }
    }

    /// Sends one frame; see `send(_:more:nonBlocking:)`.
    public func send(_ bytes: [UInt8], more: Bool = false, nonBlocking: Bool = false) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (nonBlocking ? ZMQ_DONTWAIT : 0)
        try withBytes(of: bytes) { (buffer) throws(ZeroMQError) in
            _ = try zmqCall("zmq_send", kind.description) { zmq_send(handle, buffer.baseAddress, buffer.count, flags) }
        }
    }

    /// Sends one frame as UTF-8.
    public func send(_ text: String, more: Bool = false, nonBlocking: Bool = false) throws(ZeroMQError) {
        try send(Array(text.utf8), more: more, nonBlocking: nonBlocking)
    }

    /// Sends a multipart message. Multipart messages are atomic in zmq: if the
    /// first frame is accepted the rest are too, so a non-blocking send either
    /// sends everything or throws `.wouldBlock` having sent nothing.
    public func send(multipart frames: [[UInt8]], nonBlocking: Bool = false) throws(ZeroMQError) {
        guard !frames.isEmpty else {
            throw ZeroMQError(code: .invalidArgument, call: "zmq_send", detail: "empty multipart message")
        }
        let last = frames.count - 1
        for index in frames.indices {
            try send(frames[index], more: index < last, nonBlocking: nonBlocking)
        }
    }

    /// Hands an owned message to libzmq without copying (`zmq_msg_send`). On
    /// success `message` is left empty; on failure it is unchanged (retry it).
    public func send(_ message: inout Message, more: Bool = false, nonBlocking: Bool = false) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_msg_send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (nonBlocking ? ZMQ_DONTWAIT : 0)
        let pointer = message.pointer
        try zmqCall("zmq_msg_send", kind.description) { zmq_msg_send(pointer, handle, flags) }
    }

    /// Non-blocking multipart send: `false` instead of `.wouldBlock`.
    public func trySend(multipart frames: [[UInt8]]) throws(ZeroMQError) -> Bool {
        do {
            try send(multipart: frames, nonBlocking: true)
            return true
        } catch where error.code == .wouldBlock {
            return false
        }
    }
}
