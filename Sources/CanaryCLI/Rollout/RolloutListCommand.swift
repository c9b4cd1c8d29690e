import ArgumentParser
import CanaryCoordinator

/// `canary rollout list`: every rollout the coordinator knows, newest first.
struct RolloutListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List rollouts, newest first: id, then the status line.")

    @OptionGroup var options: RolloutOptions

    func run() async throws {
        try await reportingFailures {
            let client = try options.client()
            let answer = try await client.get("/api/v1/rollouts")
            if options.json {
                print(RolloutFormat.prettyJSON(answer.body))
                return
            }
            let views = try client.decode([RolloutView].self, from: answer)
            if views.isEmpty { print("no rollouts") }
            for view in views { print(RolloutFormat.listLine(view)) }
        }
    }
}
