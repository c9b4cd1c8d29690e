import ArgumentParser
import CanaryCore

/// The root of the `canary` command line. Subcommands live one per file in
/// this module so tests can drive them; the `canary` executable only calls
/// `CanaryCommand.main()`.
public struct CanaryCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Progressive delivery for ML models: gradual rollout, statistical judging, automatic rollback.",
        discussion: """
            Canary rolls a new model version into production step by step. A sidecar agent \
            next to every replica aggregates per-inference samples from shared memory and \
            reports them over ZeroMQ to one coordinator, which judges the canary against the \
            baseline with anytime-valid sequential tests and moves (or rolls back) the split.
            """,
        version: CanaryVersion.string,
        subcommands: [
            CoordinatorCommand.self, AgentCommand.self, RolloutCommand.self, DemoCommand.self,
            ReplayCommand.self, SimulateCommand.self, KeygenCommand.self,
        ]
    )

    public init() {}
}

extension CanaryCommand {
    /// Parses the process arguments and runs the chosen subcommand. The
    /// executable calls this instead of `main()` because a root command in
    /// another module cannot pick up the async entry point on Linux.
    public static func runFromProcessArguments() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
