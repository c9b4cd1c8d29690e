import CanaryWire
import Foundation
import Synchronization
import ZeroMQ

/// Up to ~1 000 simulated agents on one OS thread with its own zmq context
/// (libzmq's default limit is 1 023 sockets per context). Each agent is a
/// DEALER that says hello, then sends one window per second, the agents'
/// send times spread evenly over the second, and counts the acks.
final class AgentGroup: Sendable {
    let agentIDs: [String]
    let router: String
    /// CURVE keys (nil: plain text).
    let keys: BenchKeys?
    let acks = Atomic<UInt64>(0)
    let sent = Atomic<UInt64>(0)
    let dropped = Atomic<UInt64>(0)
    let connected = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    init(agentIDs: [String], router: String, keys: BenchKeys? = nil) {
        self.agentIDs = agentIDs
        self.router = router
        self.keys = keys
    }

    func start() {
        let thread = Thread { [self] in
            do { try run() } catch { failure.withLock { $0 = "\(error)" } }
            finished.signal()
        }
        thread.name = "fanin-agents"
        thread.start()
    }

    var error: String? { failure.withLock { $0 } }

    /// Stops sending and closes the sockets; blocks until the thread is done.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() throws {
        let context = try ZeroMQContext()
        defer { context.terminate() }
        var sockets: [Socket] = []
        defer { for socket in sockets { socket.close() } }
        let epoch = UInt64.random(in: 1...UInt64(Int64.max))
        var templates: [Canary_V1_Window] = []
        for (index, agentID) in agentIDs.enumerated() {
            let socket = try Socket(context, .dealer)
            try socket.set(.linger, .zero)
            try socket.set(.sendHighWaterMark, 1_000)
            try keys?.secure(socket)
            try socket.connect(router)
            let version = index % 2 == 0 ? WindowFactory.baseline : WindowFactory.canary
            try socket.send(multipart: WireMessage.hello(WindowFactory.hello(agentID: agentID, epoch: epoch, version: version)).encode())
            sockets.append(socket)
            var template = WindowFactory.healthy(version: version)
            template.agentID = agentID
            template.agentEpoch = epoch
            templates.append(template)
        }
        connected.store(true, ordering: .relaxed)
        var poller = Poller()
        for socket in sockets { _ = poller.add(socket, events: .readable) }

        // Agent i sends at start + i/n s + k s.
        let count = UInt64(sockets.count)
        let start = monotonicNanos()
        let second: UInt64 = 1_000_000_000
        var next = 0
        var round: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            let now = monotonicNanos()
            while true {
                let due = start + round * second + UInt64(next) * second / count
                guard due <= now else { break }
                var window = templates[next]
                window.sequence = round + 1
                let endMs = wallMs()
                window.startMs = endMs - 1_000
                window.endMs = endMs
                if try sockets[next].trySend(multipart: WireMessage.window(window).encode()) {
                    sent.add(1, ordering: .relaxed)
                } else {
                    dropped.add(1, ordering: .relaxed)
                }
                next += 1
                if next == sockets.count { next = 0; round += 1 }
            }
            let due = start + round * second + UInt64(next) * second / count
            let wait = due > now ? min(due - now, 10_000_000) : 0
            if try poller.poll(timeout: .nanoseconds(Int64(wait))) > 0 {
                for index in sockets.indices where poller.events(at: index).contains(.readable) {
                    while let frames = try sockets[index].tryReceiveMultipart() {
                        if case .ack(let ack)? = try? WireMessage.decode(frames), ack.sequence > 0 {
                            acks.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
        }
    }
}
