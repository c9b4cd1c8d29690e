import CanaryCoordinator
import Foundation

/// What pause, resume, promote, abort and weight share: one mutating call on
/// a rollout, then its status line (or the JSON) on success.
enum RolloutOperatorCall {
    static func run(_ options: RolloutOptions, method: String = "POST", id: String, action: String, body: Data? = nil) async throws {
        try await reportingFailures {
            let client = try options.client()
            let path = "/api/v1/rollouts/\(escape(id))/\(action)"
            let answer = try await client.send(method, path, body: body)
            if options.json {
                print(RolloutFormat.prettyJSON(answer.body))
            } else {
                let view = try client.decode(RolloutView.self, from: answer)
                print(RolloutFormat.statusLine(view))
                if let decision = view.lastDecision { print("  \(decision.reason)") }
            }
        }
    }

    /// Ids are the coordinator's own (letters, digits, dashes), but a typo
    /// must not turn into another path.
    static func escape(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? id
    }
}
