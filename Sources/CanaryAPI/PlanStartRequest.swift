/// `POST /api/v1/rollouts` as JSON: `{"plan": "<the plan's YAML>"}`. The same
/// endpoint also takes the YAML itself as the body (`application/yaml`),
/// which is what the CLI sends so the coordinator's line numbers match the file.
public struct PlanStartRequest: Codable, Sendable, Equatable {
    public var plan: String

    public init(plan: String) {
        self.plan = plan
    }
}
