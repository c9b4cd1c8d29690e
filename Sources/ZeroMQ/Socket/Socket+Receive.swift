import CZeroMQ

extension Socket {
    /// Receives one frame into `message` (`zmq_msg_recv`), replacing its content.
    /// Check `message.hasMore` for further frames.
    public func receive(into message: inout Message, nonBlocking: Bool = false) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_msg_recv")
        let pointer = message.pointer
        try zmqCall("zmq_msg_recv", kind.description) {
            zmq_msg_recv(pointer, handle, nonBlocking ? ZMQ_DONTWAIT : 0)
        }
    }

    /// Receives one frame, copied once out of libzmq's message.
    public func receiveFrame(nonBlocking: Bool = false) throws(ZeroMQError) -> (bytes: [UInt8], more: Bool) {
        try receive(into: &scratch, nonBlocking: nonBlocking)
        return (scratch.bytes, scratch.hasMore)
    }

    /// Receives every frame of one multipart message. The frames of a multipart
    /// message arrive together, so only the first frame can block or fail with
    /// `.wouldBlock` (or time out, `ZMQ_RCVTIMEO`, also `.wouldBlock`).
    public func receiveMultipart(nonBlocking: Bool = false) throws(ZeroMQError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var frame = try receiveFrame(nonBlocking: nonBlocking)
        frames.append(frame.bytes)
        while frame.more {
            frame = try receiveFrame()
            frames.append(frame.bytes)
        }
        return frames
    }

    /// Like `receiveMultipart`, plus the "User-Id" the ZAP handler gave the
    /// sending connection (nil without one): who sent it, for a CURVE server.
    public func receiveMultipartWithUserID(nonBlocking: Bool = false) throws(ZeroMQError) -> (frames: [[UInt8]], userID: String?) {
        var frames: [[UInt8]] = []
        try receive(into: &scratch, nonBlocking: nonBlocking)
        // The frames that came over the connection carry its metadata; a
        // ROUTER's routing-id frame is made locally and may not, so the
        // first frame that has it answers.
        var userID = scratch.property("User-Id")
        frames.append(scratch.bytes)
        while scratch.hasMore {
            try receive(into: &scratch)
            if userID == nil { userID = scratch.property("User-Id") }
            frames.append(scratch.bytes)
        }
        return (frames, userID)
    }

    /// Non-blocking multipart receive: `nil` instead of `.wouldBlock`.
    public func tryReceiveMultipart() throws(ZeroMQError) -> [[UInt8]]? {
        do {
            return try receiveMultipart(nonBlocking: true)
        } catch where error.code == .wouldBlock {
            return nil
        }
    }
}
