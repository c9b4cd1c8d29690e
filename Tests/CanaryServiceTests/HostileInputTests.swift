import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing
import ZeroMQ

/// Everything a broken or hostile peer can send to the ROUTER is refused
/// with a counted, logged reason, while real agents keep being served.
@Suite("Hostile input", .timeLimit(.minutes(1)))
struct HostileInputTests {
    /// A raw DEALER on its own thread (zmq sockets are single-threaded).
    final class RawPeer: @unchecked Sendable {  // used from one test task at a time, calls serialised
        let context: ZeroMQContext
        let socket: Socket

        init(router: String, maxMessageSize: Int64? = nil) throws {
            context = try ZeroMQContext()
            socket = try Socket(context, .dealer)
            try socket.set(.linger, .milliseconds(100))
            try socket.set(.receiveTimeout, .milliseconds(1_000))
            try socket.connect(router)
        }

        func send(_ frames: [[UInt8]]) throws { try socket.send(multipart: frames) }

        func receive() -> [[UInt8]]? { try? socket.receiveMultipart() }

        func close() {
            socket.close()
            context.terminate()
        }
    }

    /// The wall clock, as the running coordinator reads it: windows must be plausible in time.
    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func window(agent: String, sequence: UInt64, settings: HistogramSettings = .fleetDefault) throws -> Canary_V1_Window {
        var latency = try LatencyHistogram(settings: settings)
        latency.record(micros: 1_500, count: 10)
        let window = Window(agentID: agent, agentEpoch: 1, sequence: sequence, model: "hostile", version: "v1",
                            startMs: nowMs() - 1_000, endMs: nowMs(), requestCount: 10, statuses: StatusCounts(ok: 10), latency: latency)
        return Canary_V1_Window(window)
    }

    @Test("garbage, truncated, oversize, unknown and mismatched messages are each rejected with a reason")
    func rejections() async throws {
        let coordinator = try await RunningCoordinator.start()
        let peer = try RawPeer(router: coordinator.endpoints.router)
        defer { peer.close() }
        let good = try Self.window(agent: "raw", sequence: 1)
        let body = try good.serializedBytes() as [UInt8]

        try peer.send([Array("garbage".utf8)])                                    // one frame
        try peer.send([[0x43, 0x59, 1], body])                                    // short kind frame
        try peer.send([[0x47, 0x45, 1, 2], body])                                 // bad magic
        try peer.send([[0x43, 0x59, 9, 2], body])                                 // future protocol version
        try peer.send([[0x43, 0x59, 1, 99], body])                                // unknown kind
        try peer.send([WireFormat.kindFrame(.window), Array(body.prefix(body.count / 2))])  // truncated
        try peer.send([WireFormat.kindFrame(.window), [0xff, 0xff, 0xff, 0xff, 0x0f]])      // garbage body
        try peer.send(WireMessage.ack(Canary_V1_Ack()).encode())                  // a kind agents never send
        var inconsistent = good
        inconsistent.requestCount = 3                                             // fewer requests than errors/latencies
        inconsistent.errors.serverError = 5
        try peer.send(WireMessage.window(inconsistent).encode())
        let other = try Self.window(agent: "raw", sequence: 2,
                                    settings: HistogramSettings(lowestMicros: 1, highestMicros: 1_000_000, significantDigits: 2))
        try peer.send(WireMessage.window(other).encode())                         // mismatched histogram settings

        // Refused windows are answered with Reject naming the reason.
        var reasons: [String] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while reasons.count < 2, ContinuousClock.now < deadline {
            guard let reply = peer.receive() else { continue }
            if case .reject(let reject)? = try? WireMessage.decode(reply) { reasons.append(reject.reason) }
        }
        #expect(reasons.sorted() == ["histogram_settings_mismatch", "inconsistent_body"])

        // An oversize frame is dropped by libzmq (ZMQ_MAXMSGSIZE) before it is buffered.
        let big = try RawPeer(router: coordinator.endpoints.router)
        defer { big.close() }
        try big.send([WireFormat.kindFrame(.window), [UInt8](repeating: 7, count: 3 << 20)])

        let engine = coordinator.coordinator.engine
        let counted = await eventually(timeout: .seconds(5)) {
            let rejected = await engine.counters.rejectedByReason
            return ["frame_count", "kind_frame_length", "bad_magic", "unsupported_version", "unknown_kind",
                    "malformed_body", "unexpected_kind", "inconsistent_body", "histogram_settings_mismatch"]
                .allSatisfy { rejected[$0, default: 0] >= 1 }
        }
        let rejected = await engine.counters.rejectedByReason
        #expect(counted, "rejections: \(rejected)")
        #expect(await engine.counters.rejectedByReason["malformed_body"] == 2)

        // Still serving: a valid window from the same peer is acked and counted.
        try peer.send(WireMessage.window(try Self.window(agent: "raw", sequence: 3)).encode())
        var acked = false
        for _ in 0..<10 {
            guard let reply = peer.receive() else { continue }
            if case .ack(let ack)? = try? WireMessage.decode(reply), ack.sequence == 3 { acked = true; break }
        }
        #expect(acked)
        // A resend of the same window is acked as a duplicate and not counted again.
        try peer.send(WireMessage.window(try Self.window(agent: "raw", sequence: 3)).encode())
        var duplicate = false
        for _ in 0..<10 {
            guard let reply = peer.receive() else { continue }
            if case .ack(let ack)? = try? WireMessage.decode(reply), ack.sequence == 3 { duplicate = ack.duplicate; break }
        }
        #expect(duplicate)
        #expect(await engine.counters.countedWindows == 1)
        let rows = try Journal(path: coordinator.journalPath).aggregates(model: "hostile", sinceSecond: 0)
        #expect(rows.map(\.requests).reduce(0, +) == 10)
        #expect(await engine.agentStatuses().first { $0.agentID == "raw" }?.windowsRejected == 2)
        await coordinator.stop()
    }
}
