import CanaryAPI
import Foundation

/// What pause, resume, promote, abort and weight share: one mutating call on
/// a rollout, then its status line (or the JSON) on success.
enum RolloutOperatorCall {
    static func run(
        _ options: RolloutOptions,
        _ call: @Sendable (CoordinatorAPIClient) async throws(APIClientError) -> CoordinatorAPIClient.Reply<RolloutView>
    ) async throws {
        try await reportingFailures {
            try await options.withClient { client in
                let answer = try await call(client)
                if options.json {
                    print(RolloutFormat.prettyJSON(answer.body))
                } else {
                    print(RolloutFormat.statusLine(answer.value))
                    if let decision = answer.value.lastDecision { print("  \(decision.reason)") }
                }
            }
        }
    }

    /// `pause`, `resume`, `promote` and `abort`.
    static func run(_ options: RolloutOptions, id: String, command: CoordinatorAPIClient.Command) async throws {
        try await run(options) { client throws(APIClientError) in try await client.command(command, rolloutID: id) }
    }
}
