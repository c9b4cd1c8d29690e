import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Testing

/// Agent duties beyond windows: the apply hook, SIGTERM, fail-static.
@Suite("Agent behaviour", .serialized, .timeLimit(.minutes(1)))
struct AgentBehaviourTests {
    @Test("the apply hook writes the split atomically and runs the command with the weights")
    func applyHook() async throws {
        let coordinator = try await RunningCoordinator.start()
        let dir = Unique.directory()
        let model = Unique.name("hook-")
        let ring = "/" + Unique.name("ct.hook.")
        defer {
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
        }
        var config = AgentConfig(agentID: "hooked", model: model, version: "v1", ringName: ring, routePageName: ring + ".route")
        config.coordinatorRouter = coordinator.endpoints.router
        config.coordinatorPublisher = coordinator.endpoints.publisher
        config.applyFile = "\(dir)/split.json"
        config.applyCommand = "printf '%s|%s|%s' \"$CANARY_MODEL\" \"$CANARY_WEIGHTS\" \"$CANARY_PHASE\" > \(dir)/command.tmp && mv \(dir)/command.tmp \(dir)/command.out"
        let agent = try Agent(config: config, logger: testLogger)
        let task = Task { try await agent.run() }
        #expect(await agent.waitUntilRunning())
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { canary.unlink() }
        try await coordinator.waitForAgents(model: model)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "1h"))
        #expect(started.status == 201)
        let written = await eventually(timeout: .seconds(5)) {
            FileManager.default.fileExists(atPath: "\(dir)/command.out") && FileManager.default.fileExists(atPath: "\(dir)/split.json")
        }
        #expect(written)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/split.json"))) as? [String: Any]
        #expect((json?["weightsPPM"] as? [String: Int]) == ["v2": 100_000, "v1": 900_000])
        #expect(json?["order"] as? [String] == ["v2", "v1"])
        #expect(json?["phase"] as? String == "progressing")
        let line = try String(contentsOfFile: "\(dir)/command.out", encoding: .utf8)
        #expect(line == "\(model)|v2=100000,v1=900000|progressing")
        task.cancel()
        _ = try? await task.value
        await canary.stop()
        await coordinator.stop()
    }

    @Test("SIGTERM flushes the open window and the agent exits within a bounded time")
    func sigterm() async throws {
        let coordinator = try await RunningCoordinator.start()
        let dir = Unique.directory()
        let model = Unique.name("term-")
        let ring = "/" + Unique.name("ct.term.")
        defer {
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
        }
        try """
            agent_id: terminated
            model: \(model)
            version: v1
            ring: {name: \(ring), capacity: 4096}
            # Its own page: each agent here stands for a replica on its own host.
            route_page: \(ring).route
            window: 60s
            coordinator: {router: "\(coordinator.endpoints.router)", publisher: "\(coordinator.endpoints.publisher)"}
            log_level: notice
            """.write(toFile: "\(dir)/agent.yaml", atomically: true, encoding: .utf8)
        let agent = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent.log")
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v1", capacity: 4096,
                                                            permissions: .ownerAndGroup))
        let hello = await eventually(timeout: .seconds(10)) {
            await coordinator.coordinator.engine.agentStatuses().contains { $0.agentID == "terminated" }
        }
        try #require(hello, "\(agent.log)")
        // A 60 s window would not close on its own during this test.
        for i in 0..<250 { recorder.record(latency: .milliseconds(3), key: UInt64(i)) }
        try await Task.sleep(for: .milliseconds(300))
        // The ring checkpoint next to the segment gets the ring's mode (0660 here), not 0644.
        let checkpoint = RingCheckpoint.path(forRing: ring)
        let modes = try [checkpoint, "/dev/shm" + ring].map {
            try (FileManager.default.attributesOfItem(atPath: $0)[.posixPermissions] as? Int ?? -1) & 0o777
        }
        #expect(modes == [0o660, 0o660], "checkpoint and ring modes: \(modes.map { String($0, radix: 8) })")
        let clock = ContinuousClock()
        let start = clock.now
        await agent.terminate()
        let took = clock.now - start
        #expect(took < .seconds(3), "agent took \(took) to stop")
        #expect(agent.process.terminationStatus == 0, "\(agent.log)")
        let journal = try Journal(path: coordinator.journalPath)
        let flushed = try await eventually(timeout: .seconds(3)) {
            try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +) == 250
        }
        #expect(flushed, "the open window was not flushed at SIGTERM")
        // Everything acked at exit: nothing for a successor to reconcile, no file left.
        // (An ack slower than the agent's 500 ms exit wait keeps it, correctly.)
        let allAcked = agent.log.contains(", 0 unacked")
        #expect(agent.log.contains("agent stopped: "), "\(agent.log)")
        #expect(FileManager.default.fileExists(atPath: checkpoint) != allAcked, "\(agent.log)")
        await coordinator.stop()
    }

    @Test("coordinator gone: the route page keeps the last split and the agent says it is silent")
    func failStatic() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("static-")
        let agent = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { agent.unlink(); canary.unlink() }
        try await coordinator.waitForAgents(model: model)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "1h"))
        #expect(started.status == 201)
        let applied = try await eventually(timeout: .seconds(5)) { try agent.canaryPPM(canary: "v2") == 100_000 }
        #expect(applied)
        await coordinator.stop()
        let silent = await eventually(timeout: .seconds(5)) { await agent.agent.health().coordinatorSilent }
        #expect(silent)
        #expect(try agent.canaryPPM(canary: "v2") == 100_000)
        #expect(agent.agent.routePage.route(12_345) != nil)
        await agent.stop()
        await canary.stop()
    }
}
