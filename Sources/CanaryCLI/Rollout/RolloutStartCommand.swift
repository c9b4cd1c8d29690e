import ArgumentParser
import CanaryCoordinator
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
            let client = try options.client()
            let answer: CoordinatorClient.Answer
            do throws(RolloutFailure) {
                answer = try await client.send("POST", "/api/v1/rollouts", body: source, contentType: "application/yaml")
            } catch {
                // The coordinator names the plan "request body"; name the file instead.
                throw RolloutFailure(kind: error.kind, message: Self.locate(error.message, path),
                                     details: error.details.map { Self.locate($0, path) })
            }
            if options.json {
                print(RolloutFormat.prettyJSON(answer.body))
            } else {
                let view = try client.decode(RolloutView.self, from: answer)
                print("started \(view.id)")
                print(RolloutFormat.statusLine(view))
            }
        }
    }

    static func locate(_ message: String, _ path: String) -> String {
        message.replacingOccurrences(of: "request body:", with: "\(path):")
    }
}
