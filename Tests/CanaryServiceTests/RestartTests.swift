import CanaryAPI
import CanaryAgent
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Testing

/// Crashes: a coordinator or an agent killed with SIGKILL and restarted.
@Suite("Crash and restart", .serialized, .timeLimit(.minutes(2)))
struct RestartTests {
    @Test("coordinator killed mid-rollout resumes at the same step; windows sent meanwhile are counted once")
    func coordinatorRestart() async throws {
        let dir = Unique.directory()
        let router = "ipc://\(dir)/router"
        let publisher = "ipc://\(dir)/publisher"
        let port = try freePort()
        let arguments = ["coordinator", "--journal", "\(dir)/journal.sqlite", "--http-port", String(port),
                         "--router", router, "--publisher", publisher]
        var daemon = try Daemon(arguments, logPath: "\(dir)/coordinator-1.log")
        let url = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(10)) {
            (try? await TestHTTP.request("GET", url + "/healthz").status) == 200
        }
        try #require(up, "coordinator did not start: \(daemon.log)")
        let endpoints = Coordinator.Endpoints(router: router, publisher: publisher, httpPort: port)
        let model = Unique.name("restart-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: endpoints)
        defer { baseline.unlink(); canary.unlink() }
        // A manual gate before 100 % holds the rollout at step 2 (50 %).
        let plan = fastPlan(model: model) + "\npause_before: [100%]\n"
        try await waitForLiveAgents(url, model: model)
        let started = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: plan)
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String, "\(started.text)")
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 500, errorRate: 0.005, seed: 5) },
            Task { await serveTraffic(canary.recorder, perSecond: 500, errorRate: 0.005, seed: 6) },
        ]
        var view: [String: Any] = [:]
        let gated = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
            return view["phase"] as? String == "paused" && view["step"] as? Int == 2
        }
        try #require(gated, "rollout did not reach the gate: \(view)")

        await daemon.kill()
        try await Task.sleep(for: .milliseconds(1_500))  // windows pile up unacked meanwhile
        daemon = try Daemon(arguments, logPath: "\(dir)/coordinator-2.log")
        let back = await eventually(timeout: .seconds(10)) {
            (try? await TestHTTP.request("GET", url + "/healthz").status) == 200
        }
        try #require(back, "coordinator did not restart: \(daemon.log)")
        view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
        #expect(view["phase"] as? String == "paused")
        #expect(view["step"] as? Int == 2)
        #expect(view["canaryWeightPPM"] as? Int == 500_000)
        #expect(try baseline.canaryPPM(canary: "v2") == 500_000)

        // Stop the traffic, let every window be acked, then compare counts.
        for task in traffic { task.cancel() }
        var written = 0
        for task in traffic { written += await task.value }
        let settled = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            let a = await baseline.agent.health()
            let b = await canary.agent.health()
            return a.unacked == 0 && b.unacked == 0 && a.samplesRead + b.samplesRead == UInt64(written)
        }
        #expect(settled)
        // The last windows close one interval later; every sample must arrive, once.
        let journal = try Journal(path: "\(dir)/journal.sqlite")
        var counted: Int64 = 0
        let exact = try await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            counted = try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +)
            return counted >= Int64(written)
        }
        #expect(exact && counted == Int64(written), "counted \(counted) of \(written) samples written")
        let agents = try await TestHTTP.request("GET", url + "/api/v1/agents")
        #expect(agents.status == 200)
        await baseline.stop()
        await canary.stop()
        await daemon.terminate()
    }

    @Test("agent killed and restarted resumes from the ring; the coordinator marks it stale, then live")
    func agentRestart() async throws {
        let coordinator = try await RunningCoordinator.start(staleAfterMs: 700)
        let dir = Unique.directory()
        let model = Unique.name("agentcrash-")
        let ring = "/" + Unique.name("ct.crash.")
        defer {
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
        }
        let config = """
            agent_id: crashy
            model: \(model)
            version: v2
            ring: {name: \(ring), capacity: 16384}
            # Its own page: each agent here stands for a replica on its own host.
            route_page: \(ring).route
            window: 200ms
            coordinator: {router: "\(coordinator.endpoints.router)", publisher: "\(coordinator.endpoints.publisher)"}
            log_level: warning
            """
        try config.write(toFile: "\(dir)/agent.yaml", atomically: true, encoding: .utf8)
        var agent = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent-1.log")
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v2", capacity: 16384,
                                                            permissions: .ownerAndGroup))
        func status() async -> AgentStatus? {
            await coordinator.coordinator.engine.agentStatuses().first { $0.agentID == "crashy" }
        }
        defer { RingCheckpoint.remove(ring: ring) }
        for i in 0..<300 { recorder.record(latency: .milliseconds(5), key: UInt64(i)) }
        let live = await eventually(timeout: .seconds(10)) { await status()?.windowsCounted ?? 0 > 0 }
        try #require(live, "agent never reported: \(agent.log)")
        let firstEpoch = await status()?.agentEpoch

        // Records the agent drains but has not had acked yet (its 200 ms
        // window is still open) die with it: the successor must count them lost.
        for i in 0..<200 { recorder.record(latency: .milliseconds(5), key: UInt64(500 + i)) }
        try await Task.sleep(for: .milliseconds(60))
        await agent.kill()
        let stale = await eventually(timeout: .seconds(5)) { await status()?.stale == true }
        #expect(stale, "the coordinator did not mark the killed agent stale")
        // The replica keeps recording while its agent is down.
        for i in 0..<500 { recorder.record(latency: .milliseconds(5), key: UInt64(1_000 + i)) }

        agent = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent-2.log")
        let liveAgain = await eventually(timeout: .seconds(20)) {
            guard let s = await status() else { return false }
            return !s.stale && s.agentEpoch != firstEpoch
        }
        #expect(liveAgain, "agent not live again: \(agent.log)")
        // Everything recorded is either counted or counted as lost: nothing
        // vanishes silently, and nothing is counted twice.
        let journal = try Journal(path: coordinator.journalPath)
        var counted: Int64 = 0
        var lost: Int64 = 0
        let accounted = try await eventually(timeout: .seconds(10)) {
            let rows = try journal.aggregates(model: model, sinceSecond: 0)
            counted = rows.map(\.requests).reduce(0, +)
            lost = rows.map(\.ringLost).reduce(0, +)
            return counted + lost >= 1_000
        }
        #expect(accounted, "counted \(counted) + lost \(lost) of 1000 written")
        #expect(counted >= 800, "everything written while the agent was down is read from the ring")
        #expect(counted <= 1_000)
        // A kill between an ack and the checkpoint can book one window twice; never more.
        #expect(counted + lost <= 1_000 + 200, "counted \(counted) + lost \(lost)")
        await agent.terminate()
        await coordinator.stop()
    }
}
