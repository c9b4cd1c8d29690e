import Synchronization
import Testing
import ZeroMQ

@Suite("CURVE security and the ZAP hook", .enabled(if: ZeroMQ.hasCurve), .timeLimit(.minutes(1)))
struct CurveTests {
    /// What a client managed to exchange with a CURVE ROUTER server: the
    /// message the server received (nil if none within the timeout) and the
    /// reply the client received.
    struct Exchange: Sendable {
        var serverGot: [UInt8]?
        var clientGot: [UInt8]?
    }

    /// Binds a CURVE server on `context`, connects a client from its own
    /// context with `serverKey`, and tries one request/reply.
    static func exchange(
        context: ZeroMQContext, server: CurveKeyPair, serverKey: String, client: CurveKeyPair,
        timeout: Duration = .seconds(5)
    ) async throws -> Exchange {
        try await onThread {
            let router = try Socket(context, .router, timeout: timeout)
            try router.makeCurveServer(secretKey: server.secretKey, domain: "canary")
            let endpoint = try router.bindUnique(.tcp)
            let dealer = try Socket(try ZeroMQContext(), .dealer, timeout: timeout)
            try dealer.makeCurveClient(serverKey: serverKey, keyPair: client)
            try dealer.connect(endpoint)
            // Queued until the handshake completes (or forever if it fails).
            try dealer.send("window", nonBlocking: true)
            var exchange = Exchange()
            guard let request = try? router.receiveMultipart() else { return exchange }
            exchange.serverGot = request[1]
            try router.send(multipart: [request[0], bytes("ack")])
            exchange.clientGot = try? dealer.receiveMultipart()[0]
            return exchange
        }
    }

    @Test("key pairs are 40-character Z85 and the public key derives from the secret")
    func keyPairs() throws {
        let pair = try CurveKeyPair.generate()
        #expect(pair.publicKey.count == 40)
        #expect(pair.secretKey.count == 40)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(try Z85.encode(Z85.decode(pair.publicKey)) == pair.publicKey)
        #expect(try CurveKeyPair.generate() != pair)
    }

    @Test("a client with the right server key exchanges messages")
    func rightServerKey() async throws {
        let server = try CurveKeyPair.generate()
        let result = try await Self.exchange(
            context: try ZeroMQContext(), server: server, serverKey: server.publicKey,
            client: try CurveKeyPair.generate())
        #expect(result.serverGot == bytes("window"))
        #expect(result.clientGot == bytes("ack"))
    }

    @Test("a client with a wrong server key exchanges nothing")
    func wrongServerKey() async throws {
        let server = try CurveKeyPair.generate()
        let impostor = try CurveKeyPair.generate()
        let result = try await Self.exchange(
            context: try ZeroMQContext(), server: server, serverKey: impostor.publicKey,
            client: try CurveKeyPair.generate(), timeout: .milliseconds(500))
        #expect(result.serverGot == nil)
    }

    @Test("a ZAP handler that rejects the client's key is obeyed and sees the request")
    func zapRejects() async throws {
        let context = try ZeroMQContext()
        let seen = Mutex<[ZAPRequest]>([])
        let zap = try await ZAPHandler(context: context) { request in
            seen.withLock { $0.append(request) }
            return .deny(reason: "not on the allow-list")
        }
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let result = try await Self.exchange(
            context: context, server: server, serverKey: server.publicKey, client: client,
            timeout: .milliseconds(500))
        await zap.stop()
        #expect(result.serverGot == nil)
        let request = try #require(seen.withLock { $0.first })
        #expect(request.mechanism == "CURVE")
        #expect(request.domain == "canary")
        #expect(request.address == "127.0.0.1")
        #expect(request.clientPublicKey == client.publicKey)
    }

    @Test("a ZAP handler that accepts the client's key lets it through")
    func zapAccepts() async throws {
        let context = try ZeroMQContext()
        let client = try CurveKeyPair.generate()
        let allowed = client.publicKey
        let zap = try await ZAPHandler(context: context) { request in
            request.clientPublicKey == allowed ? .allow(userID: "agent-1") : .deny(reason: "unknown key")
        }
        let server = try CurveKeyPair.generate()
        let result = try await Self.exchange(
            context: context, server: server, serverKey: server.publicKey, client: client)
        await zap.stop()
        #expect(result.serverGot == bytes("window"))
        #expect(result.clientGot == bytes("ack"))
    }

    @Test("the ZAP handler's user id comes with every message of that connection, through a SocketLoop too; none without ZAP")
    func userIDOnMessages() async throws {
        let context = try ZeroMQContext()
        let client = try CurveKeyPair.generate(), server = try CurveKeyPair.generate()
        let zap = try await ZAPHandler(context: context) { request in .allow(userID: "key:" + (request.clientPublicKey ?? "?")) }
        let loop = try await SocketLoop(context: context, sockets: [
            .init("in", .router) { socket in
                try socket.makeCurveServer(secretKey: server.secretKey, domain: "canary")
                try socket.bind("tcp://127.0.0.1:*")
            },
        ])
        let endpoint = try await loop.run { try $0.socket("in").lastEndpoint }
        let plain = try await SocketLoop(sockets: [.init("in", .router) { try $0.bind("tcp://127.0.0.1:*") }])
        let plainEndpoint = try await plain.run { try $0.socket("in").lastEndpoint }
        try await onThread {
            let peerContext = try ZeroMQContext()
            let dealer = try Socket(peerContext, .dealer)
            try dealer.set(.linger, .seconds(1))
            try dealer.makeCurveClient(serverKey: server.publicKey, keyPair: client)
            try dealer.connect(endpoint)
            for index in 0..<3 { try dealer.send(multipart: [bytes("frame-\(index)"), bytes("body")]) }
            let other = try Socket(peerContext, .dealer)
            try other.set(.linger, .seconds(1))
            try other.connect(plainEndpoint)
            try other.send("plain")
            dealer.close()
            other.close()
            peerContext.terminate()
        }
        var seen: [InboundMessage] = []
        for await message in loop.messages {
            seen.append(message)
            if seen.count == 3 { break }
        }
        var plainSeen: InboundMessage?
        for await message in plain.messages {
            plainSeen = message
            break
        }
        await loop.shutdown()
        await plain.shutdown()
        await zap.stop()
        #expect(seen.map(\.userID) == Array(repeating: "key:" + client.publicKey, count: 3))
        #expect(seen.map { $0.frames.count } == [3, 3, 3])
        #expect(plainSeen?.userID == nil)
        #expect(plainSeen?.frames.last == bytes("plain"))
    }

    @Test("a second ZAP handler on the same context is refused")
    func oneHandlerPerContext() async throws {
        let context = try ZeroMQContext()
        let zap = try await ZAPHandler(context: context) { _ in .allow() }
        await #expect(throws: ZeroMQError.self) {
            _ = try await ZAPHandler(context: context) { _ in .allow() }
        }
        await zap.stop()
    }
}
