import ArgumentParser
import CanaryAPI
import CanaryCore
import Foundation

/// `canary rollout start --plan FILE`: sends a plan, prints the new rollout.
struct RolloutStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a rollout from a plan file (YAML).",
        discussion: """
            The plan is validated by the coordinator; an invalid plan is refused (exit 1) with \
            every issue and its line number on standard error. A model can have one active \
            rollout at a time (exit 1 otherwise). The plan's baseline and canary each need a live \
            agent: otherwise the start is refused (exit 5) with the versions the fleet serves for \
            the model. --wait-for-agents DURATION retries until they are live, saying on standard \
            error what it waits for, and gives up after DURATION with the same refusal (exit 5). \
            Prints the new rollout's id and status line.
            """)

    @OptionGroup var options: RolloutOptions

    @Option(name: .long, help: ArgumentHelp("The rollout plan (YAML).", valueName: "file"))
    var plan: String?

    @Argument(help: ArgumentHelp("The rollout plan, instead of --plan.", valueName: "file"))
    var planFile: String?

    @Option(name: .customLong("wait-for-agents"), help: ArgumentHelp(
        "Wait up to this long (30s, 2m; bare: seconds) for live agents of the plan's baseline and canary instead of failing at once.",
        valueName: "duration"))
    var waitForAgents: String?

    /// How often a waiting start asks again.
    static let retryInterval: Duration = .milliseconds(500)

    func validate() throws {
        if let text = waitForAgents, !(DurationText.milliseconds(text).map { $0 > 0 } ?? false) {
            throw ValidationError("--wait-for-agents must be a positive duration such as 30s or 2m, got '\(text)'")
        }
        switch (plan, planFile) {
        case (nil, nil): throw ValidationError("name the plan file: 'canary rollout start --plan FILE'")
        case (.some, .some): throw ValidationError("give the plan file once, either with --plan or as the argument")
        default: break
        }
        let path = plan ?? planFile ?? ""
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ValidationError("cannot read the plan file '\(path)'")
        }
    }

    func run() async throws {
        let path = plan ?? planFile ?? ""
        try await reportingFailures {
            guard let source = FileManager.default.contents(atPath: path) else {
                throw RolloutFailure(kind: .refused, message: "cannot read the plan file '\(path)'")
            }
            try await options.withClient { client in
                let answer: CoordinatorAPIClient.Reply<RolloutView>
                do throws(APIClientError) {
                    answer = try await start(source, client)
                } catch {
                    // The coordinator names the plan "request body"; name the file instead.
                    let failure = RolloutFailure(error, coordinator: client.baseURL)
                    throw RolloutFailure(kind: failure.kind, message: Self.locate(failure.message, path),
                                         details: failure.details.map { Self.locate($0, path) })
                }
                if options.json {
                    print(RolloutFormat.prettyJSON(answer.body))
                } else {
                    print("started \(answer.value.id)")
                    print(RolloutFormat.statusLine(answer.value))
                }
            }
        }
    }

    /// Starts the rollout; with --wait-for-agents, a refusal for want of
    /// live agents is retried until the duration passes, each new reason
    /// said once on standard error. The last refusal is what fails.
    func start(_ source: Data, _ client: CoordinatorAPIClient) async throws(APIClientError) -> CoordinatorAPIClient.Reply<RolloutView> {
        let waitMs = waitForAgents.flatMap(DurationText.milliseconds) ?? 0
        let deadline = ContinuousClock.now + .milliseconds(waitMs)
        var said: String?
        while true {
            do throws(APIClientError) {
                return try await client.startRollout(planYAML: source)
            } catch where error.apiError?.code == .noLiveAgents && waitMs > 0 {
                // Said even when the first answer came after the deadline
                // (a slow start): the user learns what was waited for.
                let reason = error.message.replacingOccurrences(of: "cannot start the rollout: ", with: "")
                if reason != said {
                    StandardError.print("waiting up to \(DurationText.text(milliseconds: waitMs)) for agents: \(reason)")
                    said = reason
                }
                guard ContinuousClock.now < deadline else { throw error }
                try? await Task.sleep(for: Self.retryInterval)
            }
        }
    }

    static func locate(_ message: String, _ path: String) -> String {
        message.replacingOccurrences(of: "request body:", with: "\(path):")
    }
}
