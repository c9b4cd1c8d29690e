import Foundation

/// Every call the demo makes to the coordinator, through its HTTP API only
/// (the demo never opens the journal): start the rollout, follow it, list
/// the agents, and the samples counted per version.
struct DemoCoordinatorAPI: Sendable {
    let port: Int
    var http: LoopbackHTTP { LoopbackHTTP(port: port) }

    func startRollout(planYAML: String) async throws -> DemoRolloutView {
        let response = try http.post("/api/v1/rollouts", body: planYAML)
        guard response.status == 201 || response.status == 200 else {
            throw DemoError("the coordinator refused the plan (\(response.status)): \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONDecoder().decode(DemoRolloutView.self, from: response.body)
    }

    /// nil while the coordinator does not answer (e.g. it is restarting).
    func rollout(id: String) async -> DemoRolloutView? {
        guard let response = try? http.get("/api/v1/rollouts/\(id)"), response.status == 200 else { return nil }
        return try? JSONDecoder().decode(DemoRolloutView.self, from: response.body)
    }

    func agents() async -> [DemoAgentStatus]? {
        guard let response = try? http.get("/api/v1/agents"), response.status == 200 else { return nil }
        return try? JSONDecoder().decode([DemoAgentStatus].self, from: response.body)
    }

    /// Requests counted per version over the model's whole history.
    func countedSamples(model: String) async -> [String: UInt64]? {
        struct Second: Decodable {
            var version: String
            var requests: Int64
        }
        guard let response = try? http.get("/api/v1/models/\(model)/history?since=0"), response.status == 200,
              let rows = try? JSONDecoder().decode([Second].self, from: response.body) else { return nil }
        var counted: [String: UInt64] = [:]
        for row in rows { counted[row.version, default: 0] += UInt64(max(0, row.requests)) }
        return counted
    }
}
