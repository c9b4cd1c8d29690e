import CZeroMQ

/// A typed socket option: the `ZMQ_*` code, its name for errors, and the
/// Swift type its value travels as. The catalogue is in `SocketOption+Catalog.swift`.
public struct SocketOption<Value: SocketOptionValue>: Sendable {
    public let rawValue: Int32
    public let name: String
    public init(_ rawValue: Int32, _ name: String) {
        self.rawValue = rawValue
        self.name = name
    }
}

/// How a Swift value maps onto `zmq_setsockopt`'s bytes and back.
public protocol SocketOptionValue {
    /// Calls `body` with the option's wire bytes.
    func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R
    /// Decodes the bytes `zmq_getsockopt` filled.
    static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> Self
    /// Buffer size to offer `zmq_getsockopt`.
    static var optionCapacity: Int { get }
}

extension Socket {
    /// Wraps `zmq_setsockopt`.
    public func set<Value>(_ option: SocketOption<Value>, _ value: Value) throws(ZeroMQError) {
        let handle = try handle(for: "zmq_setsockopt")
        try value.withOptionBytes { (bytes) throws(ZeroMQError) in
            _ = try zmqCall("zmq_setsockopt", option.name) {
                zmq_setsockopt(handle, option.rawValue, bytes.baseAddress, bytes.count)
            }
        }
    }

    /// Wraps `zmq_getsockopt`.
    public func get<Value>(_ option: SocketOption<Value>) throws(ZeroMQError) -> Value {
        let handle = try handle(for: "zmq_getsockopt")
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Value.optionCapacity, alignment: 8)
        defer { buffer.deallocate() }
        var size = buffer.count
        try zmqCall("zmq_getsockopt", option.name) {
            zmq_getsockopt(handle, option.rawValue, buffer.baseAddress, &size)
        }
        return Value.fromOptionBytes(UnsafeRawBufferPointer(rebasing: buffer[..<size]))
    }
}

extension Int32: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        var value = self
        return try Swift.withUnsafeBytes(of: &value) { (bytes) throws(ZeroMQError) in try body(bytes) }
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> Int32 { bytes.loadUnaligned(as: Int32.self) }
    public static var optionCapacity: Int { 4 }
}

extension Int64: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        var value = self
        return try Swift.withUnsafeBytes(of: &value) { (bytes) throws(ZeroMQError) in try body(bytes) }
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> Int64 { bytes.loadUnaligned(as: Int64.self) }
    public static var optionCapacity: Int { 8 }
}

/// Boolean options travel as an `int` 0/1.
extension Bool: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        try Int32(self ? 1 : 0).withOptionBytes(body)
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> Bool { Int32.fromOptionBytes(bytes) != 0 }
    public static var optionCapacity: Int { 4 }
}

/// Binary options (routing id, subscription prefix).
extension Array: SocketOptionValue where Element == UInt8 {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        try withBytes(of: self, body)
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] { Array(bytes) }
    public static var optionCapacity: Int { 256 }
}

/// Text options (endpoints, Z85 keys, ZAP domain): set without a terminator
/// (libzmq would keep a NUL as part of e.g. the ZAP domain), read back NUL-terminated.
extension String: SocketOptionValue {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        try withBytes(of: Array(utf8), body)
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> String {
        let text = bytes.prefix { $0 != 0 }
        return String(decoding: text, as: UTF8.self)
    }
    public static var optionCapacity: Int { 1024 }
}

/// Millisecond options (`int`); sub-millisecond parts are truncated.
extension Duration: SocketOptionValue {
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        try milliseconds.withOptionBytes(body)
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> Duration {
        .milliseconds(Int32.fromOptionBytes(bytes))
    }
    public static var optionCapacity: Int { 4 }
}

/// Millisecond options where `-1` means "forever" (linger, send/receive timeouts): `nil` is forever.
extension Optional: SocketOptionValue where Wrapped == Duration {
    public func withOptionBytes<R>(_ body: (UnsafeRawBufferPointer) throws(ZeroMQError) -> R) throws(ZeroMQError) -> R {
        try (self?.milliseconds ?? -1).withOptionBytes(body)
    }
    public static func fromOptionBytes(_ bytes: UnsafeRawBufferPointer) -> Duration? {
        let value = Int32.fromOptionBytes(bytes)
        return value < 0 ? nil : .milliseconds(value)
    }
    public static var optionCapacity: Int { 4 }
}
