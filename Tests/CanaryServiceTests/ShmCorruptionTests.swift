import CanaryAPI
import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Testing

/// Issue 11, item 5, against a running coordinator and agent: a route page
/// whose weights do not sum is refused by routers and rewritten by the
/// agent; a ring whose tail is moved past its head makes the agent report
/// itself unhealthy (counter, /metrics, /healthz, the coordinator's agent
/// list) instead of going silent while shown live, and it recovers.
@Suite("Shared memory corruption", .serialized, .timeLimit(.minutes(1)))
struct ShmCorruptionTests {
    struct Setup {
        let coordinator: RunningCoordinator
        let agent: Agent
        let task: Task<Void, any Error>
        let recorder: SampleRecorder
        let config: AgentConfig
        let metrics: String

        func stop() async {
            task.cancel()
            _ = try? await task.value
            await coordinator.stop()
            _ = try? unlinkSharedSegment(config.ringName)
            _ = try? unlinkSharedSegment(config.routePageName)
        }

        func coordinatorView() async throws -> AgentStatus? {
            let reply = try await TestHTTP.request("GET", coordinator.url + "/api/v1/agents")
            return try JSONDecoder().decode([AgentStatus].self, from: reply.body).first { $0.agentID == config.agentID }
        }

        func metric(_ name: String) async throws -> Double? {
            let text = try await TestHTTP.request("GET", metrics + "/metrics").text
            let line = text.split(separator: "\n").first { $0.hasPrefix(name + "{") && $0.contains("agent=\"\(config.agentID)\"") }
            return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
    }

    func start(_ tag: String, ringFaultHoldMs: Int64 = 1_500) async throws -> Setup {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("\(tag)-")
        let ring = "/" + Unique.name("ct.\(tag).")
        var config = AgentConfig(agentID: Unique.name("agent-\(tag)-"), model: model, version: "v1",
                                 ringName: ring, routePageName: ring + ".route")
        config.windowMs = 200
        config.ringCapacity = 1 << 12
        config.coordinatorRouter = coordinator.endpoints.router
        config.coordinatorPublisher = coordinator.endpoints.publisher
        config.coordinatorTimeoutMs = 2_000
        config.metricsHost = "127.0.0.1"
        config.metricsPort = 0
        let agent = try Agent(config: config, logger: testLogger, ringFaultHoldMs: ringFaultHoldMs)
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v1", capacity: 1 << 12,
                                                            permissions: .ownerAndGroup))
        let task = Task { try await agent.run() }
        guard await agent.waitUntilRunning(), let port = await agent.metricsPort() else {
            throw TestFailure("the agent did not start")
        }
        return Setup(coordinator: coordinator, agent: agent, task: task, recorder: recorder, config: config,
                     metrics: "http://127.0.0.1:\(port)")
    }

    @Test("weights that do not sum to 10^6: routers keep the last good table, the agent rewrites the page")
    func routePageRewritten() async throws {
        let s = try await start("page")
        let canary = try await RunningAgent.start(model: s.config.model, version: "v2", coordinator: s.coordinator.endpoints)
        defer { canary.unlink() }
        try await s.coordinator.waitForAgents(model: s.config.model)
        let started = try await TestHTTP.request("POST", s.coordinator.url + "/api/v1/rollouts",
                                                 body: fastPlan(model: s.config.model, bake: "1h"))
        #expect(started.status == 201)
        let router = try RoutePage(name: s.config.routePageName, model: s.config.model, openMode: .attachOnly)
        let applied = await eventually(timeout: .seconds(5)) { (try? router.read().entries.count) == 2 }
        try #require(applied)
        let table = try router.read()
        let keys = (0..<400).map { UInt64($0) &* 7_919 }
        let routes = keys.map { router.route($0) }

        let scribbler = try Scribbler(s.config.routePageName)
        scribbler.set32(160 + 56, 150_000) // the canary's weight: 150 000 + 900 000 ppm
        scribbler.set64(128, scribbler.u64(128) + 2)
        #expect(keys.map { router.route($0) } == routes, "the router keeps the last good table")
        #expect(router.lastRefusal?.description.contains("weights sum to 1050000 ppm") == true)

        let restored = await eventually(timeout: .seconds(3)) { await s.agent.health().routePageRestores == 1 }
        #expect(restored)
        #expect(try router.read() == table, "the page holds the agent's table again")
        #expect(keys.map { router.route($0) } == routes)
        #expect(router.refusals == 1)
        let health = await s.agent.health()
        #expect(health.routePageFault?.contains("weights sum to 1050000 ppm") == true, "\(String(describing: health.routePageFault))")
        #expect(health.healthy, "a page the agent restored leaves it healthy")
        #expect(try await s.metric("canary_agent_route_page_restores_total") == 1)
        let seen = try await eventually(timeout: .seconds(3)) { try await s.coordinatorView()?.routePageRestoresTotal == 1 }
        #expect(seen)
        await canary.stop()
        await s.stop()
    }

    @Test("a ring tail moved past its head: counted, on /metrics, unhealthy on /healthz and in the agent list, then recovered")
    func ringTailPastHead() async throws {
        let s = try await start("ring")
        for k in 0..<200 as Range<UInt64> { s.recorder.record(latency: .milliseconds(5), key: k) }
        let read = await eventually(timeout: .seconds(5)) { await s.agent.health().samplesRead == 200 }
        try #require(read)
        let live = try await eventually(timeout: .seconds(3)) { try await s.coordinatorView()?.healthy == true }
        #expect(live)

        let scribbler = try Scribbler(s.config.ringName)
        // tail = head + 100 000. A drain in flight stores its own tail over
        // ours (the agent is the ring's writer of that word): then again.
        var unhealthy = false
        for _ in 0..<5 where !unhealthy {
            scribbler.set64(384, scribbler.u64(256) + 100_000)
            unhealthy = await eventually(timeout: .milliseconds(500)) { await s.agent.health().ringFaults == 1 }
        }
        try #require(unhealthy)
        let health = try await TestHTTP.request("GET", s.metrics + "/healthz")
        #expect(health.status == 503)
        let doc = try health.json() as? [String: Any]
        #expect(doc?["healthy"] as? Bool == false)
        let reason = doc?["unhealthyReason"] as? String ?? ""
        #expect(reason.contains("sample ring corrupt") && reason.contains("(tail) 100200 is past the writers' head"), "\(reason)")
        #expect(try await s.metric("canary_agent_ring_faults_total") == 1)
        #expect(try await s.metric("canary_agent_healthy") == 0)
        var shown: AgentStatus?
        let listed = try await eventually(timeout: .seconds(3)) {
            shown = try await s.coordinatorView()
            return shown?.healthy == false
        }
        #expect(listed && shown?.stale == false && shown?.ringFaultsTotal == 1)
        #expect(shown?.unhealthyReason?.contains("past the writers' head") == true, "\(String(describing: shown))")

        // Recovery: the reader went back to where it was; new samples are read and counted.
        for k in 200..<300 as Range<UInt64> { s.recorder.record(latency: .milliseconds(5), key: k) }
        let resumed = await eventually(timeout: .seconds(3)) { await s.agent.health().samplesRead == 300 }
        #expect(resumed)
        #expect(await s.agent.health().ringLost == 0, "nothing lost: the agent kept its own position")
        let healthy = try await eventually(timeout: .seconds(5)) {
            try await TestHTTP.request("GET", s.metrics + "/healthz").status == 200
        }
        #expect(healthy, "healthy again once the hold after the last fault has passed")
        let relisted = try await eventually(timeout: .seconds(3)) { try await s.coordinatorView()?.healthy == true }
        #expect(relisted)
        #expect(try await s.metric("canary_agent_ring_faults_total") == 1)
        await s.stop()
    }

    @Test("a ring header overwritten: nothing read, unhealthy while it lasts; read again once it is back")
    func ringHeaderOverwritten() async throws {
        let s = try await start("hdr", ringFaultHoldMs: 500)
        let scribbler = try Scribbler(s.config.ringName)
        let capacity = scribbler.u64(16)
        scribbler.set64(16, 1 << 40)
        for k in 0..<50 as Range<UInt64> { s.recorder.record(latency: .milliseconds(5), key: k) }
        var shown: AgentStatus?
        let listed = try await eventually(timeout: .seconds(3)) {
            shown = try await s.coordinatorView()
            return shown?.healthy == false
        }
        #expect(listed && shown?.unhealthyReason?.contains("ring header word at offset 16") == true, "\(String(describing: shown))")
        try await Task.sleep(for: .seconds(1))
        let broken = await s.agent.health()
        #expect(broken.samplesRead == 0 && !broken.healthy, "still broken after the hold: unhealthy")
        #expect(broken.ringFaults == 1, "one broken header is one fault")
        scribbler.set64(16, capacity)
        let read = await eventually(timeout: .seconds(3)) { await s.agent.health().samplesRead == 50 }
        #expect(read, "what was written meanwhile is read")
        let healthy = try await eventually(timeout: .seconds(3)) { try await s.coordinatorView()?.healthy == true }
        #expect(healthy)
        await s.stop()
    }
}
