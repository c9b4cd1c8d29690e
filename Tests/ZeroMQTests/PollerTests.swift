import Testing
import ZeroMQ

@Suite("Poller", .timeLimit(.minutes(1)))
struct PollerTests {
    @Test("zmq_poll over several sockets: times out when idle, reports exactly the ready one")
    func pollsSeveralSockets() async throws {
        let (idle, ready, first, second, writable) = try await onThread {
            let context = try ZeroMQContext()
            let pulls = try (0..<2).map { _ in try Socket(context, .pull, timeout: .seconds(5)) }
            let pushes = try pulls.map { pull in
                let push = try Socket(context, .push)
                try push.connect(try pull.bindUnique(.inproc))
                return push
            }
            var poller = Poller()
            for pull in pulls { poller.add(pull, events: .readable) }
            let pushIndex = poller.add(pushes[0], events: .writable)
            poller.setEvents([], at: pushIndex)
            let idle = try poller.poll(timeout: .milliseconds(20))
            try pushes[1].send("wake")
            let ready = try poller.poll(timeout: .seconds(5))
            let first = poller.events(at: 0)
            let second = poller.events(at: 1)
            poller.setEvents(.writable, at: pushIndex)
            try poller.poll(timeout: .zero)
            return (idle, ready, first, second, poller.events(at: pushIndex))
        }
        #expect(idle == 0)
        #expect(ready == 1)
        #expect(first == [])
        #expect(second == .readable)
        #expect(writable == .writable)
    }
}
