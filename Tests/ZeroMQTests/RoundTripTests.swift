import Testing
import ZeroMQ

@Suite("Round trips over every transport", .timeLimit(.minutes(1)))
struct RoundTripTests {
    @Test("single frame, multipart, zero bytes, empty frames", arguments: Transport.allCases)
    func framesSurviveTheTrip(_ transport: Transport) async throws {
        let sent: [[[UInt8]]] = [
            [bytes("hello")],
            [bytes("topic"), [0, 1, 0, 255, 0], [], bytes("tail")],
            [[]],
            [[0, 0, 0, 0], [], []],
        ]
        let received = try await onThread {
            let context = try ZeroMQContext()
            let server = try Socket(context, .pair, timeout: .seconds(5))
            let client = try Socket(context, .pair, timeout: .seconds(5))
            let endpoint = try server.bindUnique(transport)
            defer { removeIPCFile(endpoint) }
            try client.connect(endpoint)
            var received: [[[UInt8]]] = []
            for message in sent {
                try client.send(multipart: message)
                received.append(try server.receiveMultipart())
            }
            // And back the other way.
            try server.send(multipart: sent[1])
            received.append(try client.receiveMultipart())
            return received
        }
        #expect(received == sent + [sent[1]])
    }

    @Test("a 4 MiB frame", arguments: Transport.allCases)
    func largeFrame(_ transport: Transport) async throws {
        let payload = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let received = try await onThread {
            let context = try ZeroMQContext()
            let pull = try Socket(context, .pull, timeout: .seconds(5))
            let push = try Socket(context, .push, timeout: .seconds(5))
            let endpoint = try pull.bindUnique(transport)
            defer { removeIPCFile(endpoint) }
            try push.connect(endpoint)
            try push.send(multipart: [bytes("big"), payload])
            return try pull.receiveMultipart()
        }
        #expect(received.count == 2)
        #expect(received.last?.count == payload.count)
        #expect(received.last == payload)
    }

    @Test("owned messages move without copying and report more frames")
    func ownedMessages() async throws {
        let (first, second, more) = try await onThread {
            let context = try ZeroMQContext()
            let pull = try Socket(context, .pull, timeout: .seconds(5))
            let push = try Socket(context, .push, timeout: .seconds(5))
            let endpoint = try pull.bindUnique(.inproc)
            try push.connect(endpoint)
            var head = try Message([1, 2, 3])
            var body = try Message(copying: UnsafeRawBufferPointer(start: nil, count: 0))
            try push.send(&head, more: true)
            try push.send(&body)
            var received = Message()
            try pull.receive(into: &received)
            let first = received.bytes
            let more = received.hasMore
            try pull.receive(into: &received)
            return (first, received.bytes, more)
        }
        #expect(first == [1, 2, 3])
        #expect(second == [])
        #expect(more)
    }
}
