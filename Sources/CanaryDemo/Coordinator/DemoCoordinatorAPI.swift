import CanaryAPI
import Foundation

/// Every call the demo makes to the coordinator, through the one API client
/// (the demo never opens the journal): start the rollout, follow it, list
/// the agents, and the samples counted per version. Reads answer nil while
/// the coordinator does not answer (the coordinator-restart scenario kills
/// it on purpose); starting the rollout throws with the coordinator's reason.
struct DemoCoordinatorAPI: Sendable {
    let client: CoordinatorAPIClient?

    init(httpURL: String?) {
        client = httpURL.flatMap(URL.init(string:)).map { CoordinatorAPIClient(baseURL: $0, timeout: .seconds(5)) }
    }

    func startRollout(planYAML: String) async throws -> RolloutView {
        guard let client else { throw DemoError("the coordinator's HTTP address is not known yet") }
        do {
            return try await client.startRollout(planYAML: Data(planYAML.utf8)).value
        } catch {
            throw DemoError("the coordinator refused the plan: \(error)")
        }
    }

    func rollout(id: String) async -> RolloutView? {
        try? await client?.rollout(id: id).value
    }

    func agents() async -> [AgentStatus]? {
        try? await client?.agents().value
    }

    /// Requests counted per version over the model's whole history.
    func countedSamples(model: String) async -> [String: UInt64]? {
        guard let totals = try? await client?.totals(model: model).value else { return nil }
        var counted: [String: UInt64] = [:]
        for version in totals.versions { counted[version.version, default: 0] += UInt64(max(0, version.requests)) }
        return counted
    }
}
