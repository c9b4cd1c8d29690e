import CanaryCore
import CanaryWire
import Foundation
import Synchronization
import ZeroMQ

/// One agent on its own thread (zmq sockets are single-threaded): says
/// hello, then sends a window, waits for its ack, and records the time
/// between the two; one window every `pauseMs`, `count` of them.
enum AckProbe {
    /// Ends a probe early (the background feeders).
    final class Stop: Sendable {
        let requested = Atomic<Bool>(false)
        init() {}
    }

    static func measure(router: String, model: String, version: String, count: Int, pauseMs: Int, stop: Stop = Stop()) async throws -> [Double] {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                do { continuation.resume(returning: try run(router: router, model: model, version: version, count: count, pauseMs: pauseMs, stop: stop)) }
                catch { continuation.resume(throwing: error) }
            }
            thread.name = "readpath-ack-probe"
            thread.start()
        }
    }

    private static func run(router: String, model: String, version: String, count: Int, pauseMs: Int, stop: Stop) throws -> [Double] {
        let context = try ZeroMQContext()
        defer { context.terminate() }
        let socket = try Socket(context, .dealer)
        defer { socket.close() }
        try socket.set(.linger, .zero)
        try socket.connect(router)
        let agentID = "ack-probe-\(version)-\(UInt32.random(in: 0...UInt32.max))"
        let epoch = UInt64.random(in: 1...UInt64(Int64.max))
        var hello = Canary_V1_Hello()
        hello.agentID = agentID
        hello.agentEpoch = epoch
        hello.model = model
        hello.version = version
        try socket.send(multipart: WireMessage.hello(hello).encode())
        var poller = Poller()
        _ = poller.add(socket, events: .readable)
        var latencies: [Double] = []
        for sequence in 1...UInt64(count) where !stop.requested.load(ordering: .relaxed) {
            let endMs = Int64(Date().timeIntervalSince1970 * 1000)
            var window = try Seeder.window(agent: agentID, model: model, version: version, sequence: sequence, endMs: endMs)
            window.agentEpoch = epoch
            let sent = ContinuousClock.now
            try socket.send(multipart: WireMessage.window(Canary_V1_Window(window)).encode())
            var acked = false
            while !acked {
                guard try poller.poll(timeout: .seconds(10)) > 0 else { throw ProbeError("no ack for window \(sequence) within 10 s") }
                while let frames = try socket.tryReceiveMultipart() {
                    if case .ack(let ack)? = try? WireMessage.decode(frames), ack.sequence == sequence { acked = true }
                }
            }
            latencies.append(Double((ContinuousClock.now - sent) / .microseconds(1)) / 1_000)
            Thread.sleep(forTimeInterval: Double(pauseMs) / 1_000)
        }
        return latencies
    }
}

struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
