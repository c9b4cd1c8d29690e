import ArgumentParser
import CanaryAPI

/// `canary rollout abort ID`.
struct RolloutAbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Abort: the baseline gets 100 % back and the rollout ends as aborted.",
        discussion: "Exit 1 with the coordinator's reason when the rollout's phase forbids it or the id is unknown.")

    @OptionGroup var options: RolloutOptions

    @Argument(help: ArgumentHelp("The rollout id (see 'canary rollout list').", valueName: "id"))
    var id: String

    func run() async throws {
        try await RolloutOperatorCall.run(options, id: id, command: .abort)
    }
}
