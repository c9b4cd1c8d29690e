import Testing
import ZeroMQ

@Suite("Messaging patterns", .timeLimit(.minutes(1)))
struct PatternTests {
    @Test("DEALER ↔ ROUTER: the router sees routing ids and replies to the right dealer")
    func dealerRouter() async throws {
        let (seen, replies) = try await onThread {
            let context = try ZeroMQContext()
            let router = try Socket(context, .router, timeout: .seconds(5))
            try router.set(.routerMandatory, true)
            let endpoint = try router.bindUnique(.tcp)
            var dealers: [Socket] = []
            for name in ["agent-1", "agent-2"] {
                let dealer = try Socket(context, .dealer, timeout: .seconds(5))
                try dealer.set(.routingID, bytes(name))
                try dealer.connect(endpoint)
                try dealer.send(multipart: [bytes("hello from \(name)")])
                dealers.append(dealer)
            }
            var seen: [String: String] = [:]
            for _ in 0..<2 {
                let frames = try router.receiveMultipart()
                seen[text(frames[0])] = text(frames[1])
            }
            try router.send(multipart: [bytes("agent-2"), bytes("ack 2")])
            try router.send(multipart: [bytes("agent-1"), bytes("ack 1")])
            let replies = try dealers.map { try text($0.receiveMultipart()[0]) }
            return (seen, replies)
        }
        #expect(seen == ["agent-1": "hello from agent-1", "agent-2": "hello from agent-2"])
        #expect(replies == ["ack 1", "ack 2"])
    }

    @Test("ROUTER_MANDATORY: an unknown routing id is an error, not a silent drop")
    func routerMandatory() async throws {
        let error = try await onThread { () -> ZeroMQError? in
            let context = try ZeroMQContext()
            let router = try Socket(context, .router)
            try router.set(.routerMandatory, true)
            _ = try router.bindUnique(.inproc)
            do throws(ZeroMQError) {
                try router.send(multipart: [bytes("nobody"), bytes("x")], nonBlocking: true)
                return nil
            } catch { return error }
        }
        #expect(error?.code == .hostUnreachable)
    }

    @Test("PUB → SUB delivers only the subscribed topics")
    func topicFilter() async throws {
        let received = try await onThread {
            let context = try ZeroMQContext()
            let pub = try Socket(context, .pub)
            let sub = try Socket(context, .sub, timeout: .milliseconds(20))
            let endpoint = try pub.bindUnique(.tcp)
            try sub.subscribe("win.")
            try sub.connect(endpoint)
            // Publish a probe until the subscription has reached the publisher.
            while true {
                try pub.send(multipart: [bytes("win.sync")])
                if (try? sub.receiveMultipart()) != nil { break }
            }
            for topic in ["route.1", "win.a", "routes", "win.b", "win.end"] {
                try pub.send(multipart: [bytes(topic), bytes("body")])
            }
            try sub.set(.receiveTimeout, .seconds(5))
            var topics: [String] = []
            while topics.last != "win.end" {
                let topic = text(try sub.receiveMultipart()[0])
                if topic != "win.sync" { topics.append(topic) }
            }
            return topics
        }
        #expect(received == ["win.a", "win.b", "win.end"])
    }

    /// The "slow joiner": a SUB receives nothing published before its
    /// subscription reached the PUB. Canary's route broadcast therefore
    /// repeats snapshots (clone pattern) rather than relying on one publish.
    @Test("PUB/SUB late joiner: messages published before the subscription propagates are lost")
    func lateJoinerMissesEarlyMessages() async throws {
        let (first, early) = try await onThread {
            let context = try ZeroMQContext()
            let pub = try Socket(context, .pub)
            let sub = try Socket(context, .sub, timeout: .milliseconds(20))
            let endpoint = try pub.bindUnique(.tcp)
            try sub.subscribe()
            try sub.connect(endpoint)
            // Sent right away: the TCP connection and ZMTP handshake have not completed yet.
            try pub.send("early")
            var first: String?
            while first == nil {
                try pub.send("late")
                first = (try? sub.receiveMultipart()).map { text($0[0]) }
            }
            try sub.set(.receiveTimeout, .milliseconds(50))
            var early = false
            while let frames = try? sub.receiveMultipart() { early = early || text(frames[0]) == "early" }
            return (first, early)
        }
        #expect(first == "late")
        #expect(!early)
    }
}
