import CanaryAPI
import CanaryConfig
import CanaryCoordinator
import CanaryHTTP
import Foundation
import Logging
import Testing

/// An in-process coordinator with the HTTP limits a test chooses.
struct HardenedCoordinator {
    let coordinator: Coordinator
    let task: Task<Void, any Error>
    let port: Int
    var url: String { "http://127.0.0.1:\(port)" }

    static func start(token: String? = nil, _ adjust: (inout HTTPLimits) -> Void = { _ in }) async throws -> HardenedCoordinator {
        let dir = Unique.directory()
        var config = CoordinatorConfig()
        config.routerEndpoint = "tcp://127.0.0.1:*"
        config.publishEndpoint = "tcp://127.0.0.1:*"
        config.httpPort = 0
        config.journalPath = dir + "/journal.sqlite"
        config.apiToken = token
        adjust(&config.httpLimits)
        var logger = Logger(label: "http-hardening")
        logger.logLevel = .critical
        let coordinator = try Coordinator(config: config, logger: logger)
        let task = Task { try await coordinator.run() }
        guard let endpoints = await coordinator.endpoints() else {
            task.cancel()
            throw TestFailure("the coordinator did not start")
        }
        return HardenedCoordinator(coordinator: coordinator, task: task, port: endpoints.httpPort)
    }

    func stop() async {
        await coordinator.shutdown()
        _ = try? await task.value
    }
}

@Suite("HTTP deadlines and the connection limit", .timeLimit(.minutes(1)))
struct HTTPDeadlineTests {
    let probe = LoopLatencyProbe.shared
    @Test("a half-sent head, a half-sent body and an idle kept-alive connection are each closed after their timeout")
    func deadlines() async throws {
        let server = try await HardenedCoordinator.start {
            $0.headerTimeoutMs = 800
            $0.bodyTimeoutMs = 1_200
            $0.idleTimeoutMs = 1_500
        }
        let clock = ContinuousClock()
        let start = clock.now

        let head = try RawSocket(port: server.port)
        let body = try RawSocket(port: server.port)
        let idle = try RawSocket(port: server.port)
        let silent = try RawSocket(port: server.port)
        #expect(await head.wait(.seconds(10)) { $0.isConnected })
        // A byte every 200 ms does not extend the head's deadline.
        head.send("GET /healthz HTTP/1.1\r\n")
        body.send("PUT /api/v1/rollouts/x/weight HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"perc")
        idle.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await idle.wait(.seconds(10)) { $0.text.contains("\"status\"") }, "the complete request is answered: \(idle.text)")
        var closedAt: [String: Duration] = [:]
        // Generous: the whole suite shares two cores, and timers slip under it.
        while clock.now - start < .seconds(15), closedAt.count < 4 {
            head.send("X")
            for (name, socket) in [("head", head), ("body", body), ("idle", idle), ("silent", silent)] where closedAt[name] == nil {
                socket.drain()
                if socket.closedByPeer { closedAt[name] = clock.now - start }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        // One last look: the loop's task may not have run for a while (a
        // starved pool), so its last pass can be long before the deadline.
        for (name, socket) in [("head", head), ("body", body), ("idle", idle), ("silent", silent)] where closedAt[name] == nil {
            socket.drain()
            if socket.closedByPeer { closedAt[name] = clock.now - start }
        }
        for (name, limit) in [("head", 0.8), ("silent", 0.8), ("body", 1.2), ("idle", 1.5)] {
            let at = try #require(closedAt[name], "\(name) was never closed; gate \(server.coordinator.httpGate.counts); \(probe)")
            let seconds = Double(at.components.seconds) + Double(at.components.attoseconds) / 1e18
            // Never before its timeout; "soon" after it (the idle one's clock starts at its response).
            #expect(seconds >= limit - 0.05 && seconds < limit + 6.0, "\(name) closed after \(seconds) s, timeout \(limit) s")
        }
        #expect(!body.text.contains("200 OK"), "a half-sent body is not answered as if whole")
        let health = try await TestHTTP.request("GET", server.url + "/healthz")
        #expect(health.status == 200)
        await server.stop()
    }

    @Test("an event stream outlives every timeout; at the limit with every connection busy the next client gets a 503 with Retry-After")
    func streamsLiveAndCountAgainstTheLimit() async throws {
        let server = try await HardenedCoordinator.start {
            $0.headerTimeoutMs = 500
            $0.bodyTimeoutMs = 500
            $0.idleTimeoutMs = 500
            $0.maxConnections = 8
        }
        var streams: [RawSocket] = []
        for _ in 0..<8 {
            let stream = try RawSocket(port: server.port)
            #expect(await stream.wait(.seconds(10)) { $0.isConnected })
            stream.send("GET /api/v1/events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n")
            #expect(await stream.wait(.seconds(10)) { $0.text.contains("canary event stream") }, "stream: \(stream.text)")
            streams.append(stream)
        }
        // Three times every timeout: the streams are still open.
        try await Task.sleep(for: .milliseconds(1_500))
        for stream in streams { stream.drain() }
        #expect(streams.allSatisfy { !$0.closedByPeer }, "an event stream was closed by a read timeout")

        // All 8 connections are serving streams: a ninth is refused, clearly.
        let refused = try await TestHTTP.request("GET", server.url + "/healthz")
        #expect(refused.status == 503, "\(refused.status) \(refused.text)")
        let envelope = try JSONDecoder().decode(ErrorEnvelope.self, from: refused.body)
        #expect(envelope.error.code == "unavailable" && envelope.error.message.contains("too many open connections"), "\(refused.text)")
        let raw = try RawSocket(port: server.port)
        #expect(await raw.wait(.seconds(10)) { $0.closedByPeer })
        #expect(raw.text.hasPrefix("HTTP/1.1 503") && raw.text.lowercased().contains("retry-after: 1"), "\(raw.text)")
        #expect(server.coordinator.httpGate.counts.refused >= 2)
        #expect(server.coordinator.httpGate.counts.open == 8 && server.coordinator.httpGate.counts.busy == 8)

        // One stream ends: there is room again.
        streams.removeFirst()
        let back = await eventually(timeout: .seconds(10)) {
            (try? await TestHTTP.request("GET", server.url + "/healthz").status) == 200
        }
        #expect(back, "no room again after a stream's client left: \(server.coordinator.httpGate.counts); \(probe)")
        streams.removeAll()
        await server.stop()
    }

    @Test("at the limit, the longest waiting idle connection makes room for a new one")
    func idleConnectionsAreEvictedFirst() async throws {
        let server = try await HardenedCoordinator.start {
            $0.maxConnections = 8
            // Long enough that only eviction closes one here, however loaded the machine.
            $0.headerTimeoutMs = 120_000
        }
        var idle: [RawSocket] = []
        for count in 1...8 {
            let socket = try RawSocket(port: server.port)
            #expect(await socket.wait(.seconds(5)) { $0.isConnected })
            socket.send("GET /healthz HTTP/1.1\r\n")
            idle.append(socket)
            // Admitted (the two event loops may set connections up out of order) before the next one.
            let admitted = await eventually(timeout: .seconds(5), every: .milliseconds(10)) { server.coordinator.httpGate.counts.open == count }
            #expect(admitted)
            try await Task.sleep(for: .milliseconds(20))
        }
        let health = try await TestHTTP.request("GET", server.url + "/healthz")
        #expect(health.status == 200)
        let oldestClosed = await idle[0].wait(.seconds(10)) { $0.closedByPeer }
        for socket in idle.dropFirst() { socket.drain() }
        let closed = idle.indices.filter { idle[$0].closedByPeer }
        #expect(oldestClosed, "the oldest half-sent connection was closed to make room; closed: \(closed), gate \(server.coordinator.httpGate.counts); \(probe)")
        #expect(idle.dropFirst().filter(\.closedByPeer).count <= 1, "closed: \(closed)")
        #expect(server.coordinator.httpGate.counts.evicted >= 1)
        let metrics = try await TestHTTP.request("GET", server.url + "/metrics").text
        #expect(metrics.contains("canary_http_connections_evicted_total") && metrics.contains("canary_http_connections_limit 8"), "\(metrics.suffix(800))")
        await server.stop()
    }

    @Test("the connection limit never exceeds half the file-descriptor limit")
    func limitFollowsTheDescriptorLimit() {
        let policy = ConnectionPolicy(maxConnections: 1_024, maxLingeringRefusals: 64)
        #expect(policy.effectiveMaxConnections(fileDescriptorLimit: 1_024) == 448)
        #expect(policy.effectiveMaxConnections(fileDescriptorLimit: 65_536) == 1_024)
        #expect(policy.effectiveMaxConnections(fileDescriptorLimit: 16) == 8)
    }
}
