/// Constants of the `[kind][body]` framing described in
/// `proto/canary/v1/canary.proto`.
public enum WireFormat {
    /// The two magic bytes that open every kind frame: "CY".
    public static let magic: (UInt8, UInt8) = (0x43, 0x59)
    /// The protocol version this build speaks, third byte of the kind frame.
    public static let protocolVersion: UInt8 = 1
    /// Bodies above this size are refused before decoding. The coordinator
    /// also sets ZMQ_MAXMSGSIZE a little above it so libzmq drops oversize
    /// frames before they are even buffered.
    public static let maxBodyBytes = 1 << 20

    /// The 4-byte kind frame for `kind`.
    public static func kindFrame(_ kind: Canary_V1_MessageKind) -> [UInt8] {
        [magic.0, magic.1, protocolVersion, UInt8(truncatingIfNeeded: kind.rawValue)]
    }
}
