import CZeroMQ

/// Facts about the libzmq this process is linked against.
public enum ZeroMQ {
    /// The libzmq version, from `zmq_version`.
    public static var version: (major: Int, minor: Int, patch: Int) {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        return (Int(major), Int(minor), Int(patch))
    }

    /// Whether libzmq supports a capability (`"curve"`, `"ipc"`, …); wraps `zmq_has`.
    public static func has(_ capability: String) -> Bool {
        zmq_has(capability) != 0
    }

    /// Whether libzmq was built with CURVE security (libsodium or tweetnacl).
    /// Without it, `Socket.makeCurveServer` / `makeCurveClient` fail with `EINVAL`.
    public static var hasCurve: Bool { has("curve") }
}
