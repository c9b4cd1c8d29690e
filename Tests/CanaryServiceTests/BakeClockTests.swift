import CanaryAPI
import CanaryCoordinator
import CanaryCore
import Foundation
import Testing

/// Bake time is observed time: a real coordinator process stopped
/// (SIGSTOP), killed and restarted, or whose wall clock jumps (libfaketime)
/// neither advances a step early nor stalls it. Times are taken on the
/// test's ContinuousClock and asserted with margins.
@Suite("Bake time on the run clock", .timeLimit(.minutes(2)))
struct BakeClockTests {
    @Test("a coordinator stopped longer than the bake does not advance the step on resuming; the advance says the stopped time")
    func stoppedCoordinator() async throws {
        let cluster = try await BakeCluster.start(prefix: "bake-stop-")
        defer { cluster.stop() }
        let clock = ContinuousClock()
        // The step starts within the request: no earlier than this.
        let started = clock.now
        let id = try await cluster.startRollout(bake: "4s")
        try await Task.sleep(for: .milliseconds(500))
        cluster.daemon.signal(SIGSTOP)
        let stopped = clock.now
        try await Task.sleep(for: .seconds(5))
        cluster.daemon.signal(SIGCONT)
        let resumed = clock.now
        // At most (stopped − started) baked before the stop, plus one
        // counted step (RunClock.maxStepMs) of the stop itself.
        let bakedBefore = stopped - started
        let earliest = resumed + .seconds(4) - bakedBefore - .seconds(1)
        let advanced = try await cluster.waitForStep(2, of: id, timeout: .seconds(20))
        let at = clock.now
        #expect(advanced, "the step never advanced: \(cluster.daemon.log.suffix(2_000))")
        #expect(at >= earliest - .milliseconds(300), "advanced \(at - resumed) after resuming; baked at most \(bakedBefore) before the 5 s stop")
        let bake = try #require(try await cluster.advance(of: id)?.bake, "the advance has no bake record")
        #expect(bake.bakedMs >= 4_000)
        #expect(bake.stoppedMs >= 3_500, "the 5 s stop is left out (less one counted second): \(bake)")
        #expect(bake.stoppedMs <= 5_500, "\(bake)")
        #expect(bake.downMs == 0)
    }

    @Test("a coordinator killed and restarted mid-step keeps what it baked and leaves the down time out")
    func restartedCoordinator() async throws {
        let cluster = try await BakeCluster.start(prefix: "bake-restart-")
        defer { cluster.stop() }
        let clock = ContinuousClock()
        let id = try await cluster.startRollout(bake: "4s")
        // The view is journaled once a second: wait until it shows a second or more baked.
        var before = BakeTime(bakedMs: 0)
        let baking = try await eventually(timeout: .seconds(10)) {
            before = try await cluster.client.rollout(id: id).value.bake ?? before
            return before.bakedMs >= 1_000
        }
        try #require(baking, "the step never showed its bake: \(before)")
        let read = clock.now
        await cluster.daemon.kill()
        let killed = clock.now
        try await Task.sleep(for: .seconds(5))
        let restarting = clock.now
        try cluster.restart()
        let up = await eventually(timeout: .seconds(10)) { (try? await cluster.client.health()) != nil }
        try #require(up, "coordinator did not restart: \(cluster.daemon.log)")
        let after = try #require(try await cluster.client.rollout(id: id).value.bake, "the resumed step shows no bake")
        let answered = clock.now
        // Kept: at least what the view showed; at most that plus what ran
        // after it (until the kill), what ran since the restart (the step
        // bakes on while we wait for the restarted coordinator to answer)
        // and one journaling period — never the 5 s it was down.
        let ranAfter = Int64((killed - read) / .milliseconds(1))
        let ranSinceRestart = Int64((answered - restarting) / .milliseconds(1))
        #expect(after.bakedMs >= before.bakedMs, "resumed with \(after) after showing \(before)")
        #expect(after.bakedMs <= before.bakedMs + ranAfter + ranSinceRestart + 1_300,
                "resumed with \(after) after showing \(before) (\(ranAfter) ms ran before the kill, \(ranSinceRestart) ms since the restart): the 5 s down counted?")
        #expect(after.downMs >= Int64((restarting - killed) / .milliseconds(1)) - 100, "\(after)")
        let advanced = try await cluster.waitForStep(2, of: id, timeout: .seconds(20))
        #expect(advanced, "the step never advanced: \(cluster.daemon.log.suffix(2_000))")
        #expect(clock.now >= restarting + .milliseconds(4_000 - after.bakedMs - 300),
                "advanced \(clock.now - restarting) after the restart with \(after.bakedMs) ms of 4 s baked")
        let bake = try #require(try await cluster.advance(of: id)?.bake, "the advance has no bake record")
        #expect(bake.bakedMs >= 4_000)
        #expect(bake.downMs >= 5_000, "\(bake)")
    }

    @Test("a wall-clock jump of an hour in the coordinator's process (libfaketime) neither advances nor stalls a step")
    func wallClockJumps() async throws {
        let faketime = "/usr/bin/faketime"
        try #require(FileManager.default.isExecutableFile(atPath: faketime), "libfaketime is missing: apt-get install faketime (scripts/install-deps)")
        let dir = Unique.directory()
        let offset = dir + "/faketime"
        try "+0".write(toFile: offset, atomically: true, encoding: .utf8)
        // Only the wall clock is faked, re-read from the file at most once a
        // second. Forward only: after a jump back, libfaketime stalls the
        // process's Task.sleep (Dispatch timers) until the wall clock is
        // back where it was — the engine test with an injected clock
        // (WallClockJumpTests) covers that direction. Through the `faketime` wrapper: with libfaketime merely
        // preloaded (no shared segment of the wrapper's), a Swift program's
        // CommandLine.arguments come out empty. The wrapper's fixed offset
        // is unset for the coordinator, so it reads the file instead.
        let cluster = try await BakeCluster.start(prefix: "bake-jump-", dir: dir, launcher: [faketime, "-m", "--exclude-monotonic", "-f", "+0", "env", "-u", "FAKETIME"],
                                                  environment: ["FAKETIME_TIMESTAMP_FILE": offset, "FAKETIME_CACHE_DURATION": "1"])
        defer { cluster.stop() }
        let clock = ContinuousClock()
        let started = clock.now
        let id = try await cluster.startRollout(bake: "3s", steps: "[10%, 50%, 100%]")
        try "+3600".write(toFile: offset, atomically: true, encoding: .utf8)
        let advanced = try await cluster.waitForStep(2, of: id, timeout: .seconds(20))
        #expect(advanced, "step 1 never advanced: \(cluster.daemon.log.suffix(2_000))")
        #expect(clock.now - started >= .milliseconds(2_800), "advanced \(clock.now - started) after the start: the hour's jump counted")
        // The coordinator's wall clock did jump: its decision is stamped an hour ahead.
        let first = try #require(try await cluster.advance(of: id))
        let wallNow = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(first.atMs > wallNow + 3_000_000, "the advance is stamped \(first.atMs), now is \(wallNow): libfaketime had no effect")

        // The next step bakes its 3 s as usual: the jump did not stall it.
        let second = clock.now
        let promoted = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            try await cluster.client.rollout(id: id).value.phase == .promoted
        }
        let waiting = try await cluster.client.rollout(id: id).value.waitingFor
        #expect(promoted, "step 2 stalled after the jump: \(waiting)")
        #expect(clock.now - second >= .milliseconds(2_800))
    }
}

/// A `canary coordinator` subprocess with two in-process agents (v1, v2)
/// serving steady traffic.
final class BakeCluster: @unchecked Sendable {  // used from the test task only
    let dir: String
    let arguments: [String]
    let environment: [String: String]
    var daemon: Daemon
    let client: CoordinatorAPIClient
    let model: String
    let agents: [RunningAgent]
    let traffic: [Task<Int, Never>]

    /// `launcher` runs the coordinator (a command line it ends with).
    static func start(prefix: String, dir: String = Unique.directory(), launcher: [String] = [],
                      environment: [String: String] = [:]) async throws -> BakeCluster {
        let port = try freePort()
        let endpoints = Coordinator.Endpoints(router: "ipc://\(dir)/router", publisher: "ipc://\(dir)/publisher", httpPort: port)
        let arguments = launcher + [try Daemon.canaryExecutable(), "coordinator", "--journal", "\(dir)/journal.sqlite",
                                    "--http-port", String(port), "--router", endpoints.router, "--publisher", endpoints.publisher]
        let daemon = try Daemon(executable: arguments[0], arguments: Array(arguments.dropFirst()), logPath: "\(dir)/coordinator-1.log",
                                environment: environment)
        let client = CoordinatorAPIClient(baseURL: URL(string: endpoints.httpURL)!)
        let up = await eventually(timeout: .seconds(10)) { (try? await client.health()) != nil }
        guard up else { throw TestFailure("coordinator did not start: \(daemon.log)") }
        let model = Unique.name(prefix)
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: endpoints)
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 500, errorRate: 0.005, seed: 11) },
            Task { await serveTraffic(canary.recorder, perSecond: 500, errorRate: 0.005, seed: 12) },
        ]
        try await waitForLiveAgents(endpoints.httpURL, model: model)
        return BakeCluster(dir: dir, arguments: arguments, environment: environment, daemon: daemon, client: client,
                           model: model, agents: [baseline, canary], traffic: traffic)
    }

    private init(dir: String, arguments: [String], environment: [String: String], daemon: Daemon, client: CoordinatorAPIClient,
                 model: String, agents: [RunningAgent], traffic: [Task<Int, Never>]) {
        self.dir = dir
        self.arguments = arguments
        self.environment = environment
        self.daemon = daemon
        self.client = client
        self.model = model
        self.agents = agents
        self.traffic = traffic
    }

    /// Starts a rollout; its first step begins with the answer.
    func startRollout(bake: String, steps: String = "[10%, 50%]") async throws -> String {
        let plan = fastPlan(model: model, steps: steps, bake: bake)
        return try await client.startRollout(planYAML: Data(plan.utf8)).value.id
    }

    /// A new coordinator process on the same journal and endpoints.
    func restart() throws {
        daemon = try Daemon(executable: arguments[0], arguments: Array(arguments.dropFirst()), logPath: "\(dir)/coordinator-2.log",
                            environment: environment)
    }

    /// Polls (every 50 ms) until the rollout is at `step` (1-based) or past it.
    func waitForStep(_ step: Int, of id: String, timeout: Duration) async throws -> Bool {
        try await eventually(timeout: timeout, every: .milliseconds(50)) {
            let view = try? await client.rollout(id: id).value
            return (view?.step ?? 0) >= step || view?.phase == .promoted
        }
    }

    /// The decision that advanced the rollout from its first step to the second, as journaled.
    func advance(of id: String) async throws -> Decision? {
        for event in try await client.events(rolloutID: id).value where event.kind == "decision" && event.action == "advance" {
            let decision = try JSONDecoder().decode(DecisionEvent.self, from: JSONEncoder().encode(event.payload)).decision
            if decision.stepIndex == 1 { return decision }
        }
        return nil
    }

    func stop() {
        for task in traffic { task.cancel() }
        daemon.signal(SIGCONT)
        // A launcher's child (the coordinator under `faketime`) goes first, by its pid.
        let pid = daemon.process.processIdentifier
        let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
        for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(child, SIGKILL) }
        // Synchronous (a `defer` calls it): SIGKILL now; the Daemon's deinit reaps it.
        if daemon.isRunning { kill(pid, SIGKILL) }
        for agent in agents {
            agent.task.cancel()
            agent.unlink()
        }
    }
}
