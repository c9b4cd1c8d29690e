import CanaryAPI
import Foundation
import Testing

/// A rollout's route table may only send traffic to versions the fleet
/// serves: a start whose baseline or canary has no live agent (a typo, a
/// model not deployed, agents still starting or gone) is refused with what
/// the fleet does serve, and `--wait-for-agents` waits for them, saying so.
@Suite("Starting needs live agents", .timeLimit(.minutes(1)))
struct LiveAgentsStartTests {
    static func plan(model: String, baseline: String = "v1", canary: String) -> String {
        fastPlan(model: model, bake: "1h")
            .replacingOccurrences(of: "baseline: v1", with: "baseline: \(baseline)")
            .replacingOccurrences(of: "canary: v2", with: "canary: \(canary)")
    }

    static func refusal(_ reply: TestHTTP.Reply) -> CoordinatorError? {
        guard reply.status == 409, let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: reply.body) else { return nil }
        return CoordinatorError(CoordinatorError.Code(rawValue: envelope.error.code, httpStatus: reply.status), envelope.error.message,
                                details: envelope.error.details)
    }

    @Test("a typo in the canary, an unknown model, a version whose agents went stale: 409 no_live_agents naming what is served")
    func refusedWithWhatIsServed() async throws {
        // The default stale timeout (3 s, six heartbeats): at 1 s a loaded
        // host let the live canary agent go stale before the start.
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("digits-")
        let agents = [
            try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints),
            try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints),
            try await RunningAgent.start(model: model, version: "v2-good", coordinator: coordinator.endpoints),
        ]
        defer { agents.forEach { $0.unlink() } }
        try await coordinator.waitForAgents(model: model, versions: ["v1", "v2-good"])
        let rollouts = coordinator.url + "/api/v1/rollouts"

        let typo = try await TestHTTP.request("POST", rollouts, body: Self.plan(model: model, canary: "v2-goood"))
        let typoError = try #require(Self.refusal(typo), "\(typo.status) \(typo.text)")
        #expect(typoError.code == .noLiveAgents)
        #expect(typoError.message == "cannot start the rollout: no live agents of \(model)/v2-goood (the canary); \(model) serves v1 (2 agents), v2-good (1 agent); did you mean v2-good for v2-goood?", "\(typoError.message)")
        #expect(typoError.details.first?.contains("--wait-for-agents") == true, "\(typoError.details)")

        let unknown = try await TestHTTP.request("POST", rollouts, body: Self.plan(model: model + "z", canary: "v2-good"))
        let unknownError = try #require(Self.refusal(unknown), "\(unknown.status) \(unknown.text)")
        #expect(unknownError.message.contains("no live agents of \(model)z/v1 (the baseline) and \(model)z/v2-good (the canary)"), "\(unknownError.message)")
        #expect(unknownError.message.contains("no live agent serves model \(model)z; the fleet serves \(model) (v1, v2-good); did you mean \(model)?"), "\(unknownError.message)")
        // Nothing was started by a refusal.
        #expect(try await TestHTTP.request("GET", rollouts).text == "[]")

        let started = try await TestHTTP.request("POST", rollouts, body: Self.plan(model: model, canary: "v2-good"))
        #expect(started.status == 201, "\(started.text)")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        #expect(try await TestHTTP.request("POST", rollouts + "/\(id)/abort").status == 200)

        // The canary's only agent stops: once it is no longer live, a new start is refused.
        await agents[2].stop()
        let gone = await eventually(timeout: .seconds(20)) {
            await !coordinator.coordinator.engine.agentStatuses().contains { $0.version == "v2-good" && !$0.stale }
        }
        try #require(gone)
        let again = try await TestHTTP.request("POST", rollouts, body: Self.plan(model: model, canary: "v2-good"))
        let againError = try #require(Self.refusal(again), "\(again.status) \(again.text)")
        #expect(againError.code == .noLiveAgents)
        #expect(againError.message.contains("no live agents of \(model)/v2-good (the canary); \(model) serves v1 (2 agents)"), "\(againError.message)")
        // A stale agent (one not yet forgotten) is named as such.
        if await coordinator.coordinator.engine.agentStatuses().contains(where: { $0.version == "v2-good" }) {
            #expect(againError.message.contains("v2-good has only 1 stale agent"), "\(againError.message)")
        }
        for agent in agents.prefix(2) { await agent.stop() }
        await coordinator.stop()
    }

    @Test("canary rollout start: exit 5 at once; --wait-for-agents says what it waits for, starts once they are live, or gives up with exit 5")
    func waitForAgents() async throws {
        let coordinator = try await CLICoordinator.start(agents: false)
        defer { Task { await coordinator.stop() } }
        let refused = try await CLIProcess.rollout(coordinator, ["start", CLIPlans.fast])
        #expect(refused.status == 5, "\(refused)")
        #expect(refused.stderr.contains("no live agents of fraud-detector/v41 (the baseline) and fraud-detector/v42 (the canary)"), "\(refused)")

        await coordinator.agentsSayHello(versions: ["v41"])
        let gaveUp = try await CLIProcess.rollout(coordinator, ["start", CLIPlans.fast, "--wait-for-agents", "1s"])
        #expect(gaveUp.status == 5, "\(gaveUp)")
        #expect(gaveUp.stderr.contains("waiting up to 1s for agents: no live agents of fraud-detector/v42 (the canary); fraud-detector serves v41 (1 agent)"), "\(gaveUp)")
        #expect(gaveUp.stderr.contains("error: cannot start the rollout: no live agents of fraud-detector/v42"), "\(gaveUp)")
        #expect(gaveUp.stdout.isEmpty)

        let waiting = try CLIProcess(["rollout", "start", CLIPlans.fast, "--wait-for-agents", "30s", "--coordinator", coordinator.url])
        let said = await eventually(timeout: .seconds(15)) { waiting.stderrSoFar().contains("waiting up to 30s for agents") }
        #expect(said, "\(waiting.stderrSoFar())")
        await coordinator.agentsSayHello(versions: ["v42"])
        let result = await waiting.result(limit: .seconds(30))
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("started "), "\(result)")
        #expect(result.stderr.components(separatedBy: "waiting up to").count == 2, "each reason said once: \(result)")
    }
}
