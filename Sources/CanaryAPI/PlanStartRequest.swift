/// `POST /api/v1/rollouts` as JSON: `{"plan": "<the plan's YAML>"}`. The same
/// endpoint also takes the YAML itself as the body (`application/yaml`),
/// which is what the CLI sends so the coordinator's line numbers match the file.
public struct PlanStartRequest: Codable, Sendable, Equatable {
    public var plan: String

    public init(plan: String) {
        self.plan = plan
    }

    /// Reads a JSON body strictly (``StrictJSON``): one object whose only
    /// field, `plan`, is a non-empty string.
    public static func strict(_ body: some Collection<UInt8>) throws(CoordinatorError) -> PlanStartRequest {
        let fields = try StrictJSON.fields(of: body, allowed: ["plan"], example: #"{"plan": "<the plan's YAML>"}"#)
        guard let value = fields["plan"] else {
            throw CoordinatorError(.badRequest, #"the body must have a "plan" field holding the plan's YAML as a string"#)
        }
        guard case .string(let plan) = value, !plan.isEmpty else {
            throw CoordinatorError(.badRequest, "plan must be a non-empty string (the plan's YAML), got \(value.typeName)")
        }
        return PlanStartRequest(plan: plan)
    }
}
