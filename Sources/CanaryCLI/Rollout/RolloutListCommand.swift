import ArgumentParser
import CanaryAPI

/// `canary rollout list`: the rollouts the coordinator knows, in progress
/// first, then finished ones, each newest first.
struct RolloutListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List rollouts (in progress first, then newest first): id, then the status line.")

    @OptionGroup var options: RolloutOptions

    @Option(name: .long, help: "How many rollouts at most (1–1000; the coordinator's default page is 50).")
    var limit: Int?

    @Option(name: .long, help: "How many to skip first, in the same order.")
    var offset: Int = 0

    func validate() throws {
        if let limit, !(1...1_000).contains(limit) { throw ValidationError("--limit must be between 1 and 1000, got \(limit)") }
        if offset < 0 { throw ValidationError("--offset must be 0 or more, got \(offset)") }
    }

    func run() async throws {
        try await reportingFailures {
            try await options.withClient { client in
                let answer = try await client.rollouts(limit: limit, offset: offset)
                if options.json {
                    print(RolloutFormat.prettyJSON(answer.body))
                    return
                }
                if answer.value.isEmpty { print("no rollouts") }
                for view in answer.value { print(RolloutFormat.listLine(view)) }
                if let total = answer.totalCount, offset + answer.value.count < total {
                    print("… \(total - offset - answer.value.count) more: canary rollout list --offset \(offset + answer.value.count)")
                }
            }
        }
    }
}
