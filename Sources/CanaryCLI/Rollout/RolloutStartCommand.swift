import ArgumentParser
import CanaryAPI
import Foundation

/// `canary rollout start --plan FILE`: sends a plan, prints the new rollout.
struct RolloutStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Start a rollout from a plan file (YAML).",
        discussion: """
            The plan is validated by the coordinator; an invalid plan is refused (exit 1) with \
            every issue and its line number on standard error. A model can have one active \
            rollout at a time (exit 1 otherwise). Prints the new rollout's id and status line.
            """)

    @OptionGroup var options: RolloutOptions

    @Option(name: .long, help: ArgumentHelp("The rollout plan (YAML).", valueName: "file"))
    var plan: String?

    @Argument(help: ArgumentHelp("The rollout plan, instead of --plan.", valueName: "file"))
    var planFile: String?

    func validate() throws {
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
                    answer = try await client.startRollout(planYAML: source)
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

    static func locate(_ message: String, _ path: String) -> String {
        message.replacingOccurrences(of: "request body:", with: "\(path):")
    }
}
