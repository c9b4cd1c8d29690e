import ArgumentParser
import CanaryAPI

/// `canary rollout resume ID`.
struct RolloutResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused rollout (also passes a manual gate).",
        discussion: "Exit 1 with the coordinator's reason when the rollout's phase forbids it or the id is unknown.")

    @OptionGroup var options: RolloutOptions

    @Argument(help: ArgumentHelp("The rollout id (see 'canary rollout list').", valueName: "id"))
    var id: String

    func run() async throws {
        try await RolloutOperatorCall.run(options, id: id, command: .resume)
    }
}
