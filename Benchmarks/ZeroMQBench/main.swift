// zmq-bench: messages/s through the SocketLoop thread bridge over tcp
// loopback, side by side with raw blocking zmq_send/zmq_recv between two
// plain threads, measured in the same run. DEALER → ROUTER, as agent →
// coordinator. Then both again with CURVE on (libsodium encrypts and
// authenticates every frame), with the ratio to plain text.
// Run: `swift run -c release zmq-bench`.
import Foundation
import Synchronization
import ZeroMQ

let messagesPerRun = 100_000
/// The awaited send is one thread round trip per message; fewer keep the run short.
let awaitedMessagesPerRun = 20_000
let rounds = 3
let payloadSizes = [64, 1024]

/// Runs `body` on a new OS thread and waits for it (zmq calls stay off the cooperative pool).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Hands the bound endpoint from the receiving thread to the sending one.
final class EndpointHandoff: Sendable {
    private let endpoint = Mutex<String?>(nil)
    private let ready = DispatchSemaphore(value: 0)
    func publish(_ value: String) {
        endpoint.withLock { $0 = value }
        ready.signal()
    }
    func wait() -> String {
        ready.wait()
        return endpoint.withLock { $0! }
    }
}

/// CURVE keys for one run: the ROUTER is the server, the DEALER its client.
struct CurveSetup: Sendable {
    let server: CurveKeyPair
    let client: CurveKeyPair

    static func make() throws -> CurveSetup {
        CurveSetup(server: try CurveKeyPair.generate(), client: try CurveKeyPair.generate())
    }

    func secureServer(_ socket: Socket) throws { try socket.makeCurveServer(secretKey: server.secretKey) }
    func secureClient(_ socket: Socket) throws { try socket.makeCurveClient(serverKey: server.publicKey, keyPair: client) }
}

/// Baseline: a ROUTER thread receiving with blocking `zmq_msg_recv`, a DEALER
/// thread sending with blocking `zmq_send`.
func baseline(payloadSize: Int, curve: CurveSetup? = nil) async throws -> Double {
    let context = try ZeroMQContext()
    let handoff = EndpointHandoff()
    let receiver = Task {
        try await onThread { () -> Duration in
            let router = try Socket(context, .router)
            try router.set(.receiveHighWaterMark, 0)
            try curve?.secureServer(router)
            try router.bind("tcp://127.0.0.1:*")
            handoff.publish(try router.lastEndpoint)
            return try receiveAll(on: router)
        }
    }
    try await onThread {
        let dealer = try Socket(context, .dealer)
        try dealer.set(.sendHighWaterMark, 0)
        // The context's default linger is 0: keep queued messages past close.
        try dealer.set(.linger, .seconds(10))
        try curve?.secureClient(dealer)
        try dealer.connect(handoff.wait())
        let payload = [UInt8](repeating: 42, count: payloadSize)
        for _ in 0..<messagesPerRun { try dealer.send(payload) }
    }
    let elapsed = try await receiver.value
    return Double(messagesPerRun - 1) / elapsed.seconds
}

/// Receives `messagesPerRun` [routing id, payload] messages into one reused
/// `zmq_msg_t`, timing from the first.
func receiveAll(on router: Socket) throws -> Duration {
    var message = Message()
    try router.receive(into: &message)
    try router.receive(into: &message)
    let started = ContinuousClock.now
    for _ in 1..<messagesPerRun {
        try router.receive(into: &message)
        try router.receive(into: &message)
    }
    return ContinuousClock.now - started
}

/// `enqueue`, with `false` when the outbound queue is full.
func tryEnqueue(_ payload: [UInt8], on loop: SocketLoop) throws -> Bool {
    do {
        try loop.enqueue([payload], on: "out")
        return true
    } catch where error.code == .wouldBlock {
        return false
    }
}

enum BridgeMode { case enqueue, awaitedSend }

/// Through the bridge: a DEALER loop fed by a task, a ROUTER loop drained by a task.
func bridge(payloadSize: Int, mode: BridgeMode, curve: CurveSetup? = nil) async throws -> Double {
    let count = mode == .awaitedSend ? awaitedMessagesPerRun : messagesPerRun
    let router = try await SocketLoop(configuration: .init(name: "bench.router"), sockets: [
        .init("in", .router) { socket in
            try curve?.secureServer(socket)
            try socket.bind("tcp://127.0.0.1:*")
        },
    ])
    let endpoint = try await router.run { try $0.socket("in").lastEndpoint }
    let dealer = try await SocketLoop(configuration: .init(name: "bench.dealer"), sockets: [
        .init("out", .dealer) { socket in
            try curve?.secureClient(socket)
            try socket.connect(endpoint)
        },
    ])
    let receiver = Task { () -> Duration in
        var received = 0
        var started = ContinuousClock.now
        for await _ in router.messages {
            received += 1
            if received == 1 { started = .now }
            if received == count { break }
        }
        return ContinuousClock.now - started
    }
    let payload = [UInt8](repeating: 42, count: payloadSize)
    for _ in 0..<count {
        switch mode {
        case .awaitedSend:
            try await dealer.send([payload], on: "out")
        case .enqueue:
            while !(try tryEnqueue(payload, on: dealer)) { await Task.yield() }
        }
    }
    let elapsed = await receiver.value
    await dealer.shutdown()
    await router.shutdown()
    return Double(count - 1) / elapsed.seconds
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

func best(_ measure: () async throws -> Double) async throws -> Double {
    var best = 0.0
    for _ in 0..<rounds { best = max(best, try await measure()) }
    return best
}

func rate(_ value: Double) -> String {
    String(format: "%10.0f", value)
}

print("zmq-bench: tcp loopback, DEALER → ROUTER, best of \(rounds) runs of \(messagesPerRun) messages (\(awaitedMessagesPerRun) for await send)")
print("libzmq \(ZeroMQ.version.major).\(ZeroMQ.version.minor).\(ZeroMQ.version.patch), \(ProcessInfo.processInfo.activeProcessorCount) cores")
print("payload | raw threads msg/s | bridge enqueue msg/s | ratio | bridge await send msg/s | ratio")
for size in payloadSizes {
    let raw = try await best { try await baseline(payloadSize: size) }
    let enqueued = try await best { try await bridge(payloadSize: size, mode: .enqueue) }
    let awaited = try await best { try await bridge(payloadSize: size, mode: .awaitedSend) }
    let label = size >= 1024 ? "\(size / 1024) KiB" : "\(size) B"
    print(String(format: "%7@ | %@ | %@ | %5.2f | %@ | %5.2f",
                 label, rate(raw), rate(enqueued), enqueued / raw, rate(awaited), awaited / raw))
}

guard ZeroMQ.hasCurve else {
    print("this libzmq has no CURVE support: the CURVE comparison is skipped")
    exit(0)
}
print("")
print("with CURVE (encrypted + authenticated frames) vs plain text, same run:")
print("payload | raw plain msg/s | raw CURVE msg/s | ratio | enqueue plain msg/s | enqueue CURVE msg/s | ratio")
for size in payloadSizes {
    let curve = try CurveSetup.make()
    // Interleaved rounds: both sides see the same machine load.
    var raw = (plain: 0.0, curve: 0.0), enqueued = (plain: 0.0, curve: 0.0)
    for _ in 0..<rounds {
        raw.plain = max(raw.plain, try await baseline(payloadSize: size))
        raw.curve = max(raw.curve, try await baseline(payloadSize: size, curve: curve))
        enqueued.plain = max(enqueued.plain, try await bridge(payloadSize: size, mode: .enqueue))
        enqueued.curve = max(enqueued.curve, try await bridge(payloadSize: size, mode: .enqueue, curve: curve))
    }
    let label = size >= 1024 ? "\(size / 1024) KiB" : "\(size) B"
    print(String(format: "%7@ | %@ | %@ | %5.2f | %@ | %@ | %5.2f",
                 label, rate(raw.plain), rate(raw.curve), raw.curve / raw.plain,
                 rate(enqueued.plain), rate(enqueued.curve), enqueued.curve / enqueued.plain))
}
