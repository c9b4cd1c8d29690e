import CanaryAPI
import CanaryCoordinator
import CanaryWire
import Foundation

/// A rollout starts only when its baseline and canary have live agents
/// (`no_live_agents` otherwise), so a test that starts agents and then a
/// rollout first waits until the coordinator has heard from them: an
/// agent's hello crosses the wire after the agent is running.
func waitForLiveAgents(_ url: String, model: String, versions: [String] = ["v1", "v2"], token: String? = nil,
                       timeout: Duration = .seconds(20)) async throws {
    var last = ""
    let live = try await eventually(timeout: timeout) {
        let reply = try await TestHTTP.request("GET", url + "/api/v1/agents", token: token)
        guard reply.status == 200, let agents = try? JSONDecoder().decode([AgentStatus].self, from: reply.body) else {
            last = "GET /api/v1/agents answered \(reply.status)"
            return false
        }
        let served = Set(agents.filter { $0.model == model && !$0.stale }.map(\.version))
        last = "live versions of \(model): \(served.sorted())"
        return Set(versions).isSubset(of: served)
    }
    guard live else { throw TestFailure("no live agents of \(model) \(versions) within \(timeout); \(last)") }
}

extension RunningCoordinator {
    /// ``waitForLiveAgents(_:model:versions:token:timeout:)`` on this coordinator.
    func waitForAgents(model: String, versions: [String] = ["v1", "v2"], token: String? = nil) async throws {
        try await waitForLiveAgents(url, model: model, versions: versions, token: token)
    }
}

/// Hellos for engine-level tests, which drive a `CoordinatorEngine` without
/// sockets: the agents a plan needs, saying hello as theirs would (ids
/// `agents`, epoch 1). They stay live for the coordinator's `stale_after`
/// without another message, like real agents between heartbeats.
func sayHello(to engine: CoordinatorEngine, model: String, agents: [(id: String, version: String)] = [("a", "v1"), ("b", "v2")],
              now: ClockReading, peerKey: String? = nil) async {
    for (index, agent) in agents.enumerated() {
        var hello = Canary_V1_Hello()
        hello.agentID = agent.id
        hello.agentEpoch = 1
        hello.model = model
        hello.version = agent.version
        _ = await engine.receive(routingID: [0xA0, UInt8(index)], frames: WireMessage.hello(hello).encode(), now: now, peerKey: peerKey)
    }
}

/// ``sayHello(to:model:agents:now:peerKey:)`` into a running coordinator's
/// engine, for HTTP tests about the API itself rather than the agents.
func sayHello(to coordinator: Coordinator, model: String, agents: [(id: String, version: String)]? = nil) async {
    await sayHello(to: coordinator.engine, model: model, agents: agents ?? [("\(model)-a", "v1"), ("\(model)-b", "v2")],
                   now: ClockReading.now())
}
