import CanaryAPI
import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Testing

/// Pods come and go during a rollout: agents as real `canary agent`
/// processes, stopped with SIGTERM (goodbye) or SIGKILL (forgotten after
/// `forget_after`) and replaced under new ids; two agents configured with
/// one id; an operator removing an agent.
@Suite("Fleet churn", .serialized, .timeLimit(.minutes(2)))
struct FleetChurnTests {
    /// A `canary agent` process with its ring, which the test writes into as the replica would.
    struct AgentProcess {
        let daemon: Daemon
        let recorder: SampleRecorder
        let config: AgentConfig

        static func start(_ id: String, model: String, version: String, coordinator: Coordinator.Endpoints, directory: String) throws -> AgentProcess {
            let ring = "/" + Unique.name("churn.\(version).")
            var config = AgentConfig(agentID: id, model: model, version: version, ringName: ring, routePageName: ring + ".route")
            config.windowMs = 200
            config.ringCapacity = 1 << 14
            config.coordinatorRouter = coordinator.router
            config.coordinatorPublisher = coordinator.publisher
            config.coordinatorTimeoutMs = 1_000
            config.logLevel = "notice"
            let path = "\(directory)/\(Unique.name("agent-")).yaml"
            try config.yaml().write(toFile: path, atomically: true, encoding: .utf8)
            let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: version, capacity: 1 << 14,
                                                                permissions: .ownerAndGroup))
            let daemon = try Daemon(["agent", "--config", path], logPath: path + ".log")
            return AgentProcess(daemon: daemon, recorder: recorder, config: config)
        }

        func unlink() {
            _ = try? unlinkSharedSegment(config.ringName)
            _ = try? unlinkSharedSegment(config.routePageName)
            RingCheckpoint.remove(ring: config.ringName)
            try? FileManager.default.removeItem(atPath: WindowSpool.defaultDirectory(forRing: config.ringName))
        }
    }

    static func agentIDs(_ url: String) async throws -> [String: Bool] {
        let list = try #require(try await TestHTTP.request("GET", url + "/api/v1/agents").json() as? [[String: Any]])
        return Dictionary(list.map { ($0["agentID"] as? String ?? "", $0["stale"] as? Bool ?? true) }, uniquingKeysWith: { $1 })
    }

    static func plan(model: String, steps: String, bake: String) -> String {
        fastPlan(model: model, steps: steps, bake: bake) + "\nprogress_deadline: 2m\n"
    }

    @Test("scaling the canary down (SIGTERM: goodbye; SIGKILL: forgotten) and replacing its pod neither blocks nor rolls back the rollout, nor the next one")
    func scaleDownAndReplace() async throws {
        let directory = Unique.directory()
        let coordinator = try await RunningCoordinator.start(staleAfterMs: 2_000, forgetAfterMs: 5_000)
        let url = coordinator.url, model = Unique.name("churn-")
        let baseline = try AgentProcess.start("base-0", model: model, version: "v1", coordinator: coordinator.endpoints, directory: directory)
        let stopped = try AgentProcess.start("canary-a", model: model, version: "v2", coordinator: coordinator.endpoints, directory: directory)
        let killed = try AgentProcess.start("canary-b", model: model, version: "v2", coordinator: coordinator.endpoints, directory: directory)
        var agents = [baseline, stopped, killed]
        defer { for agent in agents { agent.unlink() } }
        var traffic = agents.enumerated().map { i, agent in
            Task { await serveTraffic(agent.recorder, perSecond: 400, errorRate: 0.005, seed: UInt64(40 + i)) }
        }
        var members: [String: Bool] = [:]
        let up = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            members = try await Self.agentIDs(url)
            return members.filter { !$0.value }.count == 3
        }
        try #require(up, "agents did not connect: \(members)\n\(stopped.daemon.log)")

        let started = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: Self.plan(model: model, steps: "[10%, 50%, 100%]", bake: "3s"))
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String, "\(started.text)")
        // Scale the canary down mid-rollout and replace the pods.
        traffic[1].cancel()
        traffic[2].cancel()
        await stopped.daemon.terminate()
        await killed.daemon.kill()
        let replacement = try AgentProcess.start("canary-c", model: model, version: "v2", coordinator: coordinator.endpoints, directory: directory)
        agents.append(replacement)
        traffic.append(Task { await serveTraffic(replacement.recorder, perSecond: 400, errorRate: 0.005, seed: 43) })

        var view: [String: Any] = [:]
        let promoted = try await eventually(timeout: .seconds(45), every: .milliseconds(250)) {
            view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
            return ["promoted", "rolled_back", "aborted"].contains(view["phase"] as? String ?? "")
        }
        #expect(promoted && view["phase"] as? String == "promoted", "\(view)")
        let wire = try await TestHTTP.object("GET", url + "/api/v1/wire")
        let forgotten = wire["forgottenAgents"] as? [String: Int] ?? [:]
        #expect(forgotten["goodbye"] == 1 && forgotten["silent"] == 1, "\(wire)")
        members = try await Self.agentIDs(url)
        #expect(Set(members.keys) == ["base-0", "canary-c"], "\(members)")
        let metrics = try await TestHTTP.request("GET", url + "/metrics").text
        #expect(metrics.contains(#"canary_agents_forgotten_total{reason="goodbye"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("forgotten") })")
        #expect(stopped.daemon.log.contains("agent stopped"), "\(stopped.daemon.log)")

        // A later rollout of the model waits for none of the agents that left.
        let next = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: Self.plan(model: model, steps: "[50%, 100%]", bake: "1s"))
        let nextID = try #require((try next.json() as? [String: Any])?["id"] as? String, "\(next.text)")
        let nextView = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(nextID)")
        #expect((nextView["staleAgents"] as? [String])?.isEmpty == true, "\(nextView)")
        let finished = try await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
            view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(nextID)")
            return view["phase"] as? String == "promoted"
        }
        #expect(finished, "\(view)")
        for task in traffic { task.cancel() }
        await baseline.daemon.terminate()
        await replacement.daemon.terminate()
        await coordinator.stop()
    }

    @Test("two agents configured with one id: the newer reports itself unhealthy with the reason, and is accepted once the other stops")
    func duplicateAgents() async throws {
        // A stale timeout generous enough that load never makes the first look stopped.
        let coordinator = try await RunningCoordinator.start(staleAfterMs: 3_000)
        let model = Unique.name("twins-")
        let first = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints, agentID: "host-a/0")
        defer { first.unlink() }
        let joined = await eventually(timeout: .seconds(10)) { !(await coordinator.coordinator.engine.agentStatuses().isEmpty) }
        try #require(joined)
        let second = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints, agentID: "host-a/0")
        defer { second.unlink() }
        var health = await second.agent.health()
        let refused = await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
            health = await second.agent.health()
            return !health.healthy
        }
        #expect(refused, "\(health)")
        let reason = health.unhealthyReason ?? ""
        #expect(reason.contains("two live agents use the id host-a/0") && reason.contains(first.config.ringName) && reason.contains(second.config.ringName), "\(reason)")
        #expect(await first.agent.health().healthy)
        let counters = await coordinator.coordinator.engine.counters
        #expect(counters.duplicateAgentIDs >= 1, "\(counters)")
        let status = try #require(await coordinator.coordinator.engine.agentStatuses().first)
        #expect(status.duplicate?.contains(second.config.ringName) == true, "\(status)")

        // The first stops (goodbye): the id is the second's now.
        await first.stop()
        let accepted = await eventually(timeout: .seconds(15), every: .milliseconds(100)) {
            health = await second.agent.health()
            return health.healthy
        }
        #expect(accepted, "\(health)")
        #expect(await coordinator.coordinator.engine.agentStatuses().first?.agentEpoch == second.agent.epoch)
        await second.stop()
        await coordinator.stop()
    }

    @Test("DELETE /api/v1/agents/{id}: token required, 404 for an unknown id, 200 and gone for a known one; a live one is back on its next message")
    func operatorRemoval() async throws {
        let token = "tok-\(UUID().uuidString.prefix(8))"
        let coordinator = try await RunningCoordinator.start(token: token)
        let engine = coordinator.coordinator.engine
        let model = Unique.name("remove-")
        let client = CoordinatorAPIClient(baseURL: URL(string: coordinator.url)!, token: token)
        // An agent that said hello and stopped without a goodbye (its pod deleted).
        var hello = Canary_V1_Hello()
        hello.agentID = "host-r/canary.gone.0"
        hello.agentEpoch = 1
        hello.model = model
        hello.version = "v1"
        _ = await engine.receive(routingID: [9], frames: WireMessage.hello(hello).encode(), now: ClockReading.now())
        #expect(try await client.agents().value.map(\.agentID) == ["host-r/canary.gone.0"])

        let anonymous = try await TestHTTP.request("DELETE", coordinator.url + "/api/v1/agents/host-r%2Fcanary.gone.0")
        #expect(anonymous.status == 401)
        let unknown = try await TestHTTP.request("DELETE", coordinator.url + "/api/v1/agents/nobody", token: token)
        #expect(unknown.status == 404 && unknown.text.contains("no agent with id 'nobody'"), "\(unknown.text)")
        let envelope = try #require(try unknown.json() as? [String: Any])
        #expect((envelope["error"] as? [String: Any])?["code"] as? String == "not_found", "\(envelope)")
        let removed = try await client.removeAgent(id: "host-r/canary.gone.0").value
        #expect(removed.agentID == "host-r/canary.gone.0" && removed.model == model)
        #expect(try await client.agents().value.isEmpty)
        let events = try await engine.journal.readEvents(rolloutID: nil)
        #expect(events.contains { $0.action == "forgotten" && $0.reason.contains("removed by an operator") })

        // A live agent may be removed too: it is back on its next heartbeat.
        let live = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints, agentID: "host-r/canary.live.0")
        defer { live.unlink() }
        #expect(await eventually(timeout: .seconds(10)) { (try? await client.agents().value.count) == 1 })
        _ = try await client.removeAgent(id: "host-r/canary.live.0").value
        #expect(await eventually(timeout: .seconds(10)) { (try? await client.agents().value.map(\.agentID)) == ["host-r/canary.live.0"] })
        #expect(await engine.counters.forgottenAgents["operator"] == 2)
        await live.stop()
        await coordinator.stop()
    }
}
