import CZeroMQ

/// A CURVE key pair as Z85 text (40 characters each), the form config files,
/// `canary keygen` and socket options use.
public struct CurveKeyPair: Sendable, Hashable {
    public let publicKey: String
    public let secretKey: String

    public init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair (`zmq_curve_keypair`); `.notSupported` without CURVE support.
    public static func generate() throws(ZeroMQError) -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        try zmqCall("zmq_curve_keypair") { zmq_curve_keypair(&publicKey, &secretKey) }
        return CurveKeyPair(publicKey: Z85.string(publicKey), secretKey: Z85.string(secretKey))
    }

    /// The key pair of a secret key, public key derived with `zmq_curve_public`.
    public init(secretKey: String) throws(ZeroMQError) {
        var publicKey = [CChar](repeating: 0, count: 41)
        try zmqCall("zmq_curve_public", "secret key") { zmq_curve_public(&publicKey, secretKey) }
        self.init(publicKey: Z85.string(publicKey), secretKey: secretKey)
    }
}

/// ZeroMQ's Z85 text encoding of binary keys (`zmq_z85_encode` / `zmq_z85_decode`).
public enum Z85 {
    /// Encodes bytes whose count is a multiple of 4 (a 32-byte key → 40 characters).
    public static func encode(_ bytes: [UInt8]) throws(ZeroMQError) -> String {
        guard bytes.count % 4 == 0 else {
            throw ZeroMQError(code: .invalidArgument, call: "zmq_z85_encode", detail: "\(bytes.count) bytes, not a multiple of 4")
        }
        var text = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        _ = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, $0.count) }
        return string(text)
    }

    /// Decodes Z85 text whose length is a multiple of 5 (40 characters → 32 bytes).
    public static func decode(_ text: String) throws(ZeroMQError) -> [UInt8] {
        guard text.utf8.count % 5 == 0 else {
            throw ZeroMQError(code: .invalidArgument, call: "zmq_z85_decode", detail: "\(text.utf8.count) characters, not a multiple of 5")
        }
        var bytes = [UInt8](repeating: 0, count: text.utf8.count * 4 / 5)
        guard zmq_z85_decode(&bytes, text) != nil else {
            throw ZeroMQError(code: .invalidArgument, call: "zmq_z85_decode", detail: "not Z85 text")
        }
        return bytes
    }

    static func string(_ cString: [CChar]) -> String {
        String(decoding: cString.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
