import CZeroMQ

/// An owned `zmq_msg_t`: initialised once, closed once, never copied.
///
/// `~Copyable` because a bitwise copy of a `zmq_msg_t` would share (and then
/// double-release) its reference-counted content. The struct lives behind a
/// pointer so libzmq always sees it at a stable address.
public struct Message: ~Copyable {
    let pointer: UnsafeMutablePointer<zmq_msg_t>

    /// An empty message (`zmq_msg_init`), e.g. to receive into.
    public init() {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: zmq_msg_t())
        zmq_msg_init(pointer)  // cannot fail
    }

    /// A message holding one copy of `bytes` (`zmq_msg_init_size` + `memcpy`).
    public init(copying bytes: UnsafeRawBufferPointer) throws(ZeroMQError) {
        pointer = try Message.allocate(count: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            zmq_msg_data(pointer).copyMemory(from: base, byteCount: bytes.count)
        }
    }

    /// A message holding one copy of `bytes`.
    public init(_ bytes: [UInt8]) throws(ZeroMQError) {
        pointer = try Message.allocate(count: bytes.count)
        let pointer = self.pointer
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, source.count > 0 {
                zmq_msg_data(pointer).copyMemory(from: base, byteCount: source.count)
            }
        }
    }

    /// A `zmq_msg_t` of `count` uninitialised bytes (`zmq_msg_init_size`), freed again on failure.
    private static func allocate(count: Int) throws(ZeroMQError) -> UnsafeMutablePointer<zmq_msg_t> {
        let pointer = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        pointer.initialize(to: zmq_msg_t())
        do {
            try zmqCall("zmq_msg_init_size", "\(count) bytes") { zmq_msg_init_size(pointer, count) }
        } catch {
            pointer.deallocate()
            throw error
        }
        return pointer
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Size in bytes (`zmq_msg_size`).
    public var count: Int { zmq_msg_size(pointer) }

    /// Whether more frames of the same multipart message follow (`zmq_msg_more`).
    public var hasMore: Bool { zmq_msg_more(pointer) != 0 }

    /// A metadata property of a received frame (`zmq_msg_gets`), nil when the
    /// connection has none: "User-Id" (what the ZAP handler answered for the
    /// peer's key), "Peer-Address", "Socket-Type", "Routing-Id".
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }

    /// Borrows the content without copying.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer)))
    }

    /// The content, copied once into an array.
    public var bytes: [UInt8] {
        let count = self.count
        guard count > 0 else { return [] }
        let source = zmq_msg_data(pointer)!
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.update(from: source.assumingMemoryBound(to: UInt8.self), count: count)
            initialized = count
        }
    }
}
