import ArgumentParser
import CanaryAPI
import Foundation

/// Why a `canary rollout` command failed, and the exit status scripts see
/// (documented in `RolloutCommand`'s help).
struct RolloutFailure: Error, CustomStringConvertible {
    enum Kind: Int32 {
        /// The coordinator answered 4xx: the request itself was refused.
        case refused = 1
        /// No answer, a 5xx, or a timeout: try again later.
        case unavailable = 3
        /// A start refused because no live agent serves the plan's baseline
        /// or canary (also after --wait-for-agents gave up): a script can
        /// tell "agents not up yet" from a plan that is wrong.
        case noLiveAgents = 5
    }

    let kind: Kind
    let message: String
    /// Extra lines, e.g. each issue of a refused plan with its line number.
    var details: [String] = []

    var description: String { ([message] + details.filter { $0 != message && !message.hasSuffix($0) }).joined(separator: "\n  ") }
}

extension RolloutFailure {
    /// What the API client's error means to an operator: 4xx answers are
    /// refusals (1); no answer, 5xx and answers this CLI cannot read are
    /// "unavailable" (3).
    init(_ error: APIClientError, coordinator: URL) {
        switch error.code {
        case .refused where error.apiError?.code == .noLiveAgents:
            self.init(kind: .noLiveAgents, message: error.message, details: error.details)
        case .refused:
            self.init(kind: .refused, message: error.message, details: error.details)
        case .unreachable:
            let cause = error.message == "no answer in time" ? "no answer in time (see --timeout)" : error.message
            self.init(kind: .unavailable,
                      message: "cannot reach the coordinator at \(coordinator.absoluteString): \(cause) (is it running? see --coordinator)")
        case .undecodable:
            self.init(kind: .unavailable,
                      message: "the coordinator's answer is not the JSON this CLI expects (a different version?): \(error.message)")
        default:
            self.init(kind: .unavailable, message: error.message, details: error.details)
        }
    }
}

/// The exit status of `status --exit-status` for a finished, failed rollout.
let rolledBackExitCode: Int32 = 4

/// Runs a subcommand's body; a `RolloutFailure` is printed to standard error
/// and turned into its exit status instead of ArgumentParser's generic 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as RolloutFailure {
        StandardError.print("error: \(failure)")
        throw ExitCode(failure.kind.rawValue)
    }
}

/// Writes to standard error, unbuffered, so messages interleave correctly with stdout.
enum StandardError {
    static func print(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
