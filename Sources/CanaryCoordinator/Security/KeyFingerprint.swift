import ZeroMQ

/// How logs, metrics and the API name a CURVE key: the first 8 bytes of the
/// 32-byte public key in hex. Public keys are uniformly random points, so
/// the prefix identifies a key as well as a hash would (a colliding key
/// takes ~2⁶⁴ tries to make), and it is derived from the public key only:
/// a secret never reaches a log line.
enum KeyFingerprint {
    static func of(_ publicKey: String) -> String {
        guard let bytes = try? Z85.decode(publicKey), bytes.count >= 8 else { return "invalid-key" }
        return bytes.prefix(8).map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
    }
}
