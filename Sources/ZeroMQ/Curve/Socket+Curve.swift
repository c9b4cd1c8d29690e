import CZeroMQ

extension Socket {
    /// Makes this socket a CURVE server (`ZMQ_CURVE_SERVER` + `ZMQ_CURVE_SECRETKEY`).
    /// Call before `bind`. Clients are accepted unless a ZAP handler
    /// (`ZAPHandler`) on the same context says otherwise.
    ///
    /// - Parameter domain: `ZMQ_ZAP_DOMAIN`, passed to the ZAP handler.
    public func makeCurveServer(secretKey: String, domain: String? = nil) throws(ZeroMQError) {
        try set(.curveServer, true)
        try set(.curveSecretKey, secretKey)
        if let domain { try set(.zapDomain, domain) }
    }

    /// Makes this socket a CURVE client of the server whose public key is
    /// `serverKey` (`ZMQ_CURVE_SERVERKEY`, `_PUBLICKEY`, `_SECRETKEY`). Call before `connect`.
    /// With a wrong server key the handshake fails silently and nothing is exchanged.
    public func makeCurveClient(serverKey: String, keyPair: CurveKeyPair) throws(ZeroMQError) {
        try set(.curveServerKey, serverKey)
        try set(.curvePublicKey, keyPair.publicKey)
        try set(.curveSecretKey, keyPair.secretKey)
    }
}
