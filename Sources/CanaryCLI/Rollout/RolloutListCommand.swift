import ArgumentParser
import CanaryAPI

/// `canary rollout list`: every rollout the coordinator knows, newest first.
struct RolloutListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List rollouts, newest first: id, then the status line.")

    @OptionGroup var options: RolloutOptions

    func run() async throws {
        try await reportingFailures {
            try await options.withClient { client in
                let answer = try await client.rollouts()
                if options.json {
                    print(RolloutFormat.prettyJSON(answer.body))
                    return
                }
                if answer.value.isEmpty { print("no rollouts") }
                for view in answer.value { print(RolloutFormat.listLine(view)) }
            }
        }
    }
}
