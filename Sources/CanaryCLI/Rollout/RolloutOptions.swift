import ArgumentParser
import CanaryAPI
import Foundation

/// Options every `canary rollout` subcommand shares.
struct RolloutOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The coordinator's HTTP address (default: $CANARY_COORDINATOR or http://127.0.0.1:7600).",
        valueName: "url"))
    var coordinator: String?

    @Option(name: .long, help: ArgumentHelp(
        "API token, sent on every call: a coordinator with a token wants it for reads too (default: $CANARY_TOKEN).", valueName: "token"))
    var token: String?

    @Flag(name: .long, help: "Print the API's JSON answer (pretty) instead of a summary.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the coordinator's answer.", valueName: "seconds"))
    var timeout: Double = 10

    static let defaultCoordinator = "http://127.0.0.1:7600"

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)")
        }
        _ = try baseURL()
    }

    /// The coordinator URL: the option, then the environment, then the default.
    func baseURL() throws(ValidationError) -> URL {
        let environment = ProcessInfo.processInfo.environment
        let text = coordinator ?? environment["CANARY_COORDINATOR"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultCoordinator
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ValidationError("--coordinator must be an http(s) URL like \(Self.defaultCoordinator), got '\(text)'")
        }
        return url
    }

    /// Runs `body` with an API client for these options (its HTTP client is
    /// shut down afterwards); the client's errors become `RolloutFailure`s.
    func withClient<Result: Sendable>(_ body: (CoordinatorAPIClient) async throws -> Result) async throws -> Result {
        let environment = ProcessInfo.processInfo.environment
        let token = self.token ?? environment["CANARY_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let base = try baseURL()
        do {
            return try await CoordinatorAPIClient.withClient(baseURL: base, token: token, timeout: .seconds(timeout), body)
        } catch let error as APIClientError {
            throw RolloutFailure(error, coordinator: base)
        }
    }
}
