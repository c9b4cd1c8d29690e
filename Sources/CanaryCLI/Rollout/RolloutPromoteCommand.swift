import ArgumentParser
import CanaryAPI

/// `canary rollout promote ID`.
struct RolloutPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Promote now: the canary gets 100 % and the rollout ends as promoted.",
        discussion: "Exit 1 with the coordinator's reason when the rollout's phase forbids it or the id is unknown.")

    @OptionGroup var options: RolloutOptions

    @Argument(help: ArgumentHelp("The rollout id (see 'canary rollout list').", valueName: "id"))
    var id: String

    func run() async throws {
        try await RolloutOperatorCall.run(options, id: id, command: .promote)
    }
}
