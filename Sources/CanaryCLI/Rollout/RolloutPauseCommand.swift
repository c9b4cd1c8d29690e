import ArgumentParser
import CanaryAPI

/// `canary rollout pause ID`.
struct RolloutPauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause a rollout: the split stays where it is and no step is taken until resume.",
        discussion: "Exit 1 with the coordinator's reason when the rollout's phase forbids it or the id is unknown.")

    @OptionGroup var options: RolloutOptions

    @Argument(help: ArgumentHelp("The rollout id (see 'canary rollout list').", valueName: "id"))
    var id: String

    func run() async throws {
        try await RolloutOperatorCall.run(options, id: id, command: .pause)
    }
}
