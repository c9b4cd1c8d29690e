import CanaryShm
import Foundation
import Testing

/// Faults injected into real processes (issue 12): a coordinator and agents
/// started from the built `canary`, replicas writing a known number of
/// samples. Every case prints `fault NAME: written W, counted C, lost L
/// (allowed A), pages agree: yes/no` and requires nothing lost beyond what
/// README § "What happens when things fail" allows and every route page
/// equal to the journal's table.
@Suite("Fault injection", .serialized, .timeLimit(.minutes(3)))
struct FaultInjectionTests {
    static func phase(_ view: [String: Any]) -> String { view["phase"] as? String ?? "" }
    static func step(_ view: [String: Any]) -> Int { view["step"] as? Int ?? 0 }

    @Test("coordinator kill -9 at step 1, a middle step and the last step before promotion: resumes there, nothing lost, pages = journal")
    func coordinatorKilledAtEachStep() async throws {
        let cluster = try FaultCluster(name: "killstep", versions: ["v1", "v1", "v2"])
        defer { cluster.close() }
        try await cluster.start()
        // 3 s a step: the accounting after each restart (writers paused,
        // counts settled, pages read) must not outlast the next step, or
        // the rollout would be past the step this case kills in next.
        let id = try await cluster.startRollout(faultPlan(model: cluster.model, steps: "[10%, 30%, 60%, 100%]", bake: "3s"))
        for (step, label) in [(1, "step 1"), (2, "middle step 2"), (4, "last step 4, before promotion")] {
            let (reached, view) = try await cluster.waitRollout(id) { Self.phase($0) == "progressing" && Self.step($0) == step }
            try #require(reached, "rollout never progressing at step \(step): \(view)")
            await cluster.coordinator.kill()
            try await cluster.coordinator.start()
            let resumed = try await cluster.rollout(id)
            // Killed during step k: the journal holds step k, or k+1 if the
            // advance committed in the instant before the kill.
            #expect(Self.step(resumed) >= step && Self.step(resumed) <= step + 1, "resumed at \(resumed)")
            let account = try await cluster.account("coordinator kill -9 at \(label)")
            #expect(account.holds, "\(account.report)")
        }
        let (promoted, view) = try await cluster.waitRollout(id) { Self.phase($0) == "promoted" }
        #expect(promoted, "the rollout did not finish after the kills: \(view)")
    }

    @Test("coordinator kill -9 while windows flow at a high rate, at seeded random offsets: every window counted once")
    func coordinatorKilledDuringCommits() async throws {
        let cluster = try FaultCluster(name: "killcommit", versions: ["v1", "v1", "v2"], perSecond: 600, windowMs: 100)
        defer { cluster.close() }
        try await cluster.start()
        // A long bake keeps the rollout deciding (and journaling) on every window.
        _ = try await cluster.startRollout(faultPlan(model: cluster.model, steps: "[10%, 50%]", bake: "5m"))
        var rng = SeededRandom(seed: 12_05)
        for round in 1...3 {
            let offset = 150 + Int(rng.next() % 700)
            try await Task.sleep(for: .milliseconds(offset))
            await cluster.coordinator.kill()
            try await cluster.coordinator.start()
            let account = try await cluster.account("coordinator kill -9 mid-commit #\(round) (+\(offset) ms)")
            #expect(account.holds, "\(account.report)")
        }
    }

    @Test("coordinator SIGSTOP longer than the agents' timeout: pages unchanged, windows buffered, counted once after SIGCONT")
    func coordinatorStopped() async throws {
        let cluster = try FaultCluster(name: "stopcoord", versions: ["v1", "v2"])
        defer { cluster.close() }
        try await cluster.start()
        let id = try await cluster.startRollout(faultPlan(model: cluster.model, steps: "[10%, 50%]", extra: "pause_before: [50%]"))
        let (gated, view) = try await cluster.waitRollout(id) { Self.phase($0) == "paused" }
        try #require(gated, "rollout never reached its gate: \(view)")
        let before = try cluster.agents.map { try cluster.page(of: $0) }
        cluster.coordinator.signal(SIGSTOP)
        let silent = await eventually(timeout: .seconds(10)) {
            cluster.agents.allSatisfy { $0.log.contains("fail-static") }
        }
        #expect(silent, "agents did not notice the stopped coordinator: \(cluster.agents.map(\.log))")
        #expect(try cluster.agents.map { try cluster.page(of: $0) } == before, "a page changed while the coordinator was stopped")
        cluster.coordinator.signal(SIGCONT)
        let account = try await cluster.account("coordinator SIGSTOP 1 s+ then SIGCONT")
        #expect(account.holds, "\(account.report)")
    }

    @Test("agent SIGSTOP longer than the stale timeout: marked stale, no advance meanwhile, resumes after SIGCONT, nothing lost")
    func agentStopped() async throws {
        let cluster = try FaultCluster(name: "stopagent", versions: ["v1", "v2"])
        defer { cluster.close() }
        try await cluster.start()
        let canary = cluster.agents[1]
        let id = try await cluster.startRollout(faultPlan(model: cluster.model, steps: "[10%, 40%, 100%]"))
        let (progressing, view) = try await cluster.waitRollout(id) { Self.phase($0) == "progressing" && Self.step($0) == 1 }
        try #require(progressing, "rollout never progressing: \(view)")
        canary.signal(SIGSTOP)
        let stale = try await eventually(timeout: .seconds(10)) {
            try await cluster.agentStatus(canary.agentID)?["stale"] as? Bool == true
        }
        #expect(stale, "the coordinator did not mark the stopped agent stale")
        let held = try await cluster.rollout(id)
        // Longer than the bake: a rollout advancing on the missing data would do it now.
        let (advanced, during) = try await cluster.waitRollout(id, timeout: .milliseconds(2_500)) {
            Self.step($0) != Self.step(held) || Self.phase($0) != Self.phase(held)
        }
        #expect(!advanced, "the rollout moved while its canary agent was stale: \(held) → \(during)")
        canary.signal(SIGCONT)
        let live = try await eventually(timeout: .seconds(10)) {
            try await cluster.agentStatus(canary.agentID)?["stale"] as? Bool == false
        }
        #expect(live, "the agent did not come back after SIGCONT")
        let (moved, after) = try await cluster.waitRollout(id) { Self.step($0) > Self.step(held) || Self.phase($0) == "promoted" }
        #expect(moved, "the rollout did not go on once the agent was back: \(after)")
        let account = try await cluster.account("agent SIGSTOP past the stale timeout then SIGCONT")
        #expect(account.holds, "\(account.report)")
    }

    @Test("agent restarted while the coordinator is down: at most one window lost, pages = journal once it is back")
    func agentRestartedWhileCoordinatorDown() async throws {
        let cluster = try FaultCluster(name: "agentdown", versions: ["v1", "v2"])
        defer { cluster.close() }
        try await cluster.start()
        let canary = cluster.agents[1]
        let id = try await cluster.startRollout(faultPlan(model: cluster.model, steps: "[10%, 50%]", extra: "pause_before: [50%]"))
        let (gated, view) = try await cluster.waitRollout(id) { Self.phase($0) == "paused" }
        try #require(gated, "rollout never reached its gate: \(view)")
        let page = try cluster.page(of: canary)
        await cluster.coordinator.kill()
        // Windows pile up in the agent's unacked buffer, then it is restarted.
        try await Task.sleep(for: .milliseconds(600))
        await canary.terminate()
        try canary.start()
        let running = await eventually(timeout: .seconds(10)) { canary.log.contains("epoch") }
        try #require(running, "the restarted agent did not start: \(canary.log)")
        #expect(try cluster.page(of: canary) == page, "the restarted agent changed its page with no coordinator")
        try await cluster.coordinator.start()
        // README: an agent that stops loses at most the window it had open.
        let oneWindow = cluster.perSecond * cluster.windowMs / 1_000 + cluster.perSecond / 50
        let account = try await cluster.account("agent restarted while the coordinator is down", allowed: oneWindow)
        #expect(account.holds, "\(account.report)")
    }

    @Test("network partition of one agent (netns + veth): fail-static page, windows buffered, resent and counted once after healing")
    func partitionedAgent() async throws {
        let (namespace, reason) = NetworkNamespace.create()
        guard let namespace else {
            print("fault network partition: skipped — cannot create a network namespace with a veth pair here (\(reason)); run as root with iproute2")
            return
        }
        defer { namespace.remove() }
        let cluster = try FaultCluster(name: "partition", versions: ["v1", "v2"], namespace: namespace, inNamespace: [1])
        defer { cluster.close() }
        try await cluster.start()
        let cut = cluster.agents[1], other = cluster.agents[0]
        let id = try await cluster.startRollout(faultPlan(model: cluster.model, steps: "[10%, 50%, 100%]", bake: "5m"))
        let (progressing, view) = try await cluster.waitRollout(id) { Self.phase($0) == "progressing" }
        try #require(progressing, "rollout never progressing: \(view)")
        var disagreements: [String] = []
        let agreed = try await eventually(timeout: .seconds(10)) {
            disagreements = try cluster.pageDisagreements()
            return disagreements.isEmpty
        }
        try #require(agreed, "pages never agreed before the partition: \(disagreements)")
        let before = try cluster.page(of: cut)

        try namespace.partition(true)
        let stale = try await eventually(timeout: .seconds(10)) {
            try await cluster.agentStatus(cut.agentID)?["stale"] as? Bool == true
        }
        #expect(stale, "the coordinator did not mark the partitioned agent stale")
        let failStatic = await eventually(timeout: .seconds(10)) { cut.log.contains("fail-static") }
        #expect(failStatic, "the partitioned agent did not go fail-static: \(cut.log)")
        // A decision during the partition reaches the other agent only.
        let paused = try await TestHTTP.request("POST", cluster.url + "/api/v1/rollouts/\(id)/pause")
        #expect(paused.status == 200, "\(paused.text)")
        let moved = try await eventually(timeout: .seconds(10)) { try cluster.page(of: other).phase == .paused }
        #expect(moved, "the reachable agent did not apply the pause")
        #expect(try cluster.page(of: cut) == before, "the partitioned agent's page changed")
        // Fail-static means behind the journal, and the check must see it.
        let lagging = try cluster.pageDisagreements()
        #expect(lagging.map { $0.contains(cut.agentID) } == [true], "only the partitioned agent's page should lag the journal: \(lagging)")

        try namespace.partition(false)
        let back = try await eventually(timeout: .seconds(20)) {
            try await cluster.agentStatus(cut.agentID)?["stale"] as? Bool == false
        }
        #expect(back, "the agent did not come back after the partition healed: \(cut.log)")
        let account = try await cluster.account("network partition of one agent, healed")
        #expect(account.holds, "\(account.report)")
    }
}
