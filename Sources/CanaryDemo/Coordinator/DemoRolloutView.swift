import CanaryCore

/// The part of the coordinator's rollout JSON (`GET /api/v1/rollouts/{id}`)
/// the demo shows. Decoded leniently on its own so the demo keeps working
/// when the API grows fields.
struct DemoRolloutView: Decodable, Sendable {
    var id: String
    var phase: String
    var step: Int
    var steps: Int
    var canaryWeightPPM: UInt32
    var baseline: String
    var canary: String
    var waitingFor: [String]?
    var pauseReason: String?
    var summaries: [String: VersionSummary]?
    var verdicts: [Verdict]?
    var lastDecision: Decision?

    var isTerminal: Bool { ["promoted", "rolled_back", "aborted"].contains(phase) }
}
