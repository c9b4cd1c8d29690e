import CanaryCore
import Foundation

/// One method per route of the API (see Resources/openapi.json), each
/// decoding the route's response type.
extension CoordinatorAPIClient {
    /// A command on a rollout (`POST /api/v1/rollouts/{id}/{command}`).
    public struct Command: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        public static let pause = Command("pause")
        public static let resume = Command("resume")
        public static let promote = Command("promote")
        public static let abort = Command("abort")

        public var description: String { name }
    }

    public func health() async throws(APIClientError) -> Reply<HealthDocument> {
        try await call(HealthDocument.self, "GET", "/healthz")
    }

    /// One page of rollouts: in progress first, then finished, each newest
    /// first; the coordinator's default page (50) when `limit` is nil.
    /// The total of all pages is in the `X-Total-Count` header.
    public func rollouts(limit: Int? = nil, offset: Int = 0) async throws(APIClientError) -> Reply<[RolloutView]> {
        var query: [String] = []
        if let limit { query.append("limit=\(limit)") }
        if offset > 0 { query.append("offset=\(offset)") }
        return try await call([RolloutView].self, "GET", "/api/v1/rollouts" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
    }

    public func rollout(id: String) async throws(APIClientError) -> Reply<RolloutView> {
        try await call(RolloutView.self, "GET", "/api/v1/rollouts/\(Self.escape(id))")
    }

    /// Starts a rollout from a plan's YAML; the coordinator names it
    /// "request body" in its messages.
    public func startRollout(planYAML: Data) async throws(APIClientError) -> Reply<RolloutView> {
        try await call(RolloutView.self, "POST", "/api/v1/rollouts", body: planYAML, contentType: "application/yaml")
    }

    public func command(_ command: Command, rolloutID: String) async throws(APIClientError) -> Reply<RolloutView> {
        try await call(RolloutView.self, "POST", "/api/v1/rollouts/\(Self.escape(rolloutID))/\(command.name)")
    }

    public func setWeight(_ weight: WeightRequest, rolloutID: String) async throws(APIClientError) -> Reply<RolloutView> {
        let body = (try? Self.encoder.encode(weight)) ?? Data()
        return try await call(RolloutView.self, "PUT", "/api/v1/rollouts/\(Self.escape(rolloutID))/weight", body: body)
    }

    /// The journal's events of one rollout, oldest first.
    public func events(rolloutID: String) async throws(APIClientError) -> Reply<[EventView]> {
        try await call([EventView].self, "GET", "/api/v1/rollouts/\(Self.escape(rolloutID))/events")
    }

    public func agents() async throws(APIClientError) -> Reply<[AgentStatus]> {
        try await call([AgentStatus].self, "GET", "/api/v1/agents")
    }

    /// Removes an agent from the fleet (it stopped for good); answers with
    /// the status it had. A live agent is back on its next message.
    public func removeAgent(id: String) async throws(APIClientError) -> Reply<AgentStatus> {
        try await call(AgentStatus.self, "DELETE", "/api/v1/agents/\(Self.escape(id))")
    }

    /// Per-second numbers of a model's versions since a Unix second.
    public func history(model: String, sinceSecond: Int64) async throws(APIClientError) -> Reply<[SecondMetrics]> {
        try await call([SecondMetrics].self, "GET", "/api/v1/models/\(Self.escape(model))/history?since=\(sinceSecond)")
    }

    /// Everything counted for a model, per version.
    public func totals(model: String) async throws(APIClientError) -> Reply<ModelTotals> {
        try await call(ModelTotals.self, "GET", "/api/v1/models/\(Self.escape(model))/totals")
    }

    /// Ids and model names are the coordinator's own (letters, digits,
    /// dashes), but a typo must not turn into another path.
    public static func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? segment
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}
