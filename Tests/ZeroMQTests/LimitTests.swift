import Testing
import ZeroMQ

@Suite("Limits: max message size and high-water marks", .timeLimit(.minutes(1)))
struct LimitTests {
    @Test("ZMQ_MAXMSGSIZE drops an oversize frame and its peer; the socket keeps serving others")
    func maxMessageSize() async throws {
        let (received, afterwards) = try await onThread {
            let context = try ZeroMQContext()
            let pull = try Socket(context, .pull, timeout: .seconds(5))
            try pull.set(.maxMessageSize, 1024)
            let endpoint = try pull.bindUnique(.tcp)
            let big = try Socket(context, .push)
            try big.connect(endpoint)
            try big.send(multipart: [[UInt8](repeating: 7, count: 4096)])
            let small = try Socket(context, .push)
            try small.connect(endpoint)
            try small.send(multipart: [bytes("fits")])
            let received = try pull.receiveMultipart()
            try small.send(multipart: [bytes("still fits")])
            var afterwards: [[[UInt8]]] = []
            try pull.set(.receiveTimeout, .milliseconds(300))
            while let frames = try? pull.receiveMultipart() { afterwards.append(frames) }
            return (received, afterwards)
        }
        #expect(received == [bytes("fits")])
        #expect(afterwards == [[bytes("still fits")]])
    }

    @Test("at the high-water mark PUB drops silently while DEALER would block (EAGAIN)")
    func highWaterMarks() async throws {
        let (pubErrors, subReceived, dealerAccepted, dealerError) = try await onThread {
            let context = try ZeroMQContext()
            // PUB: never blocks, drops for a subscriber that does not read.
            let pub = try Socket(context, .pub)
            try pub.set(.sendHighWaterMark, 10)
            let sub = try Socket(context, .sub, timeout: .milliseconds(20))
            try sub.set(.receiveHighWaterMark, 10)
            try sub.subscribe()
            let pubEndpoint = try pub.bindUnique(.inproc)
            try sub.connect(pubEndpoint)
            while true {
                try pub.send("sync")
                if (try? sub.receiveMultipart()) != nil { break }
            }
            var pubErrors = 0
            for _ in 0..<10_000 {
                do throws(ZeroMQError) { try pub.send("x", nonBlocking: true) } catch { pubErrors += 1 }
            }
            var subReceived = 0
            while (try? sub.tryReceiveMultipart()) ?? nil != nil { subReceived += 1 }

            // DEALER: at the mark a non-blocking send fails with EAGAIN.
            let router = try Socket(context, .router)
            try router.set(.receiveHighWaterMark, 10)
            let dealer = try Socket(context, .dealer)
            try dealer.set(.sendHighWaterMark, 10)
            try dealer.connect(try router.bindUnique(.inproc))
            var accepted = 0
            var dealerError: ZeroMQError?
            while accepted < 10_000 {
                do throws(ZeroMQError) {
                    try dealer.send("x", nonBlocking: true)
                    accepted += 1
                } catch {
                    dealerError = error
                    break
                }
            }
            return (pubErrors, subReceived, accepted, dealerError)
        }
        #expect(pubErrors == 0)
        #expect(subReceived < 100)
        #expect(dealerAccepted < 100)
        #expect(dealerError?.code == .wouldBlock)
    }
}
