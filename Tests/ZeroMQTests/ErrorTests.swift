import Testing
import ZeroMQ

@Suite("Typed errors and socket ownership", .timeLimit(.minutes(1)))
struct ErrorTests {
    @Test("a bad endpoint names the call and the endpoint", arguments: [
        ("bogus://nowhere", ZeroMQError.Code.protocolNotSupported),
        ("tcp://127.0.0.1", ZeroMQError.Code.invalidArgument),
    ])
    func badEndpoint(_ endpoint: String, _ code: ZeroMQError.Code) async throws {
        let error = try await onThread { () -> ZeroMQError? in
            let socket = try Socket(try ZeroMQContext(), .router)
            do throws(ZeroMQError) { try socket.bind(endpoint) } catch { return error }
            return nil
        }
        let failure = try #require(error)
        #expect(failure.call == "zmq_bind")
        #expect(failure.detail == endpoint)
        #expect(failure.code == code)
        #expect("\(failure)".contains(endpoint))
        #expect(!failure.message.isEmpty)
    }

    @Test("EAGAIN is distinguishable: empty non-blocking receive, DEALER without peers, receive timeout")
    func wouldBlock() async throws {
        let codes = try await onThread { () -> [ZeroMQError.Code?] in
            let context = try ZeroMQContext()
            let pull = try Socket(context, .pull, timeout: .milliseconds(10))
            _ = try pull.bindUnique(.tcp)
            let dealer = try Socket(context, .dealer)
            var codes: [ZeroMQError.Code?] = []
            do throws(ZeroMQError) { _ = try pull.receiveMultipart(nonBlocking: true); codes.append(nil) } catch { codes.append(error.code) }
            do throws(ZeroMQError) { try dealer.send("x", nonBlocking: true); codes.append(nil) } catch { codes.append(error.code) }
            do throws(ZeroMQError) { _ = try pull.receiveMultipart(); codes.append(nil) } catch { codes.append(error.code) }
            codes.append(try pull.tryReceiveMultipart() == nil ? .wouldBlock : nil)
            return codes
        }
        #expect(codes == [.wouldBlock, .wouldBlock, .wouldBlock, .wouldBlock])
    }

    @Test("ETERM is distinguishable: a context shut down interrupts a blocking receive")
    func contextTerminated() async throws {
        let code = try await onThread { () -> ZeroMQError.Code? in
            let context = try ZeroMQContext()
            let pull = try Socket(context, .pull, timeout: .seconds(5))
            context.shutdown()
            do throws(ZeroMQError) { _ = try pull.receiveMultipart() } catch { return error.code }
            return nil
        }
        #expect(code == .contextTerminated)
    }

    @Test("a socket closes once; use after close is a typed error")
    func closeOnce() async throws {
        let code = try await onThread { () -> ZeroMQError.Code? in
            let socket = try Socket(try ZeroMQContext(), .push)
            socket.close()
            socket.close()
            do throws(ZeroMQError) { try socket.send("x") } catch { return error.code }
            return nil
        }
        #expect(code == .notSocket)
    }

    @Test("typed options read back what was set")
    func optionsRoundTrip() async throws {
        let values = try await onThread {
            let socket = try Socket(try ZeroMQContext(), .dealer)
            try socket.set(.linger, .milliseconds(150))
            try socket.set(.sendHighWaterMark, 77)
            try socket.set(.routingID, bytes("agent-7"))
            try socket.set(.maxMessageSize, 1 << 20)
            try socket.set(.heartbeatInterval, .milliseconds(500))
            try socket.set(.reconnectIntervalMax, .seconds(5))
            try socket.set(.immediate, true)
            return (
                try socket.get(.linger), try socket.get(.sendHighWaterMark), try socket.get(.routingID),
                try socket.get(.maxMessageSize), try socket.get(.heartbeatInterval),
                try socket.get(.reconnectIntervalMax), try socket.get(.immediate)
            )
        }
        #expect(values.0 == .milliseconds(150))
        #expect(values.1 == 77)
        #expect(values.2 == bytes("agent-7"))
        #expect(values.3 == 1 << 20)
        #expect(values.4 == .milliseconds(500))
        #expect(values.5 == .seconds(5))
        #expect(values.6)
    }
}
