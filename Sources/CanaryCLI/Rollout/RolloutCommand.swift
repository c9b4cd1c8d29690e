import ArgumentParser

/// `canary rollout …`: the operator's command line over the coordinator's
/// JSON API. Each subcommand lives in its own file.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Start, inspect and steer rollouts on a running coordinator.",
        discussion: """
            Every subcommand talks to the coordinator's HTTP API (--coordinator, default \
            http://127.0.0.1:7600 or $CANARY_COORDINATOR). Every call sends \
            'Authorization: Bearer <token>' when --token or $CANARY_TOKEN is set (a coordinator \
            with a token wants it for reads too: they name agents). With --json \
            the API's JSON answer is printed as is (pretty); without it, a readable summary.

            EXIT STATUS
              0  the request succeeded.
              1  the coordinator refused the request (HTTP 4xx: invalid plan, conflict such as \
            an active rollout or a command the phase forbids, unknown rollout, missing or wrong \
            token); its message goes to standard error.
              3  the coordinator could not be reached, answered with a server error (5xx), or \
            did not answer within --timeout.
              4  only with 'status --exit-status': the rollout was rolled back or aborted.
              5  only with 'start': no live agent serves the plan's baseline or canary (at \
            once, or when --wait-for-agents gave up); the message names what the fleet serves.
              64 usage error: bad or missing arguments (ArgumentParser's EX_USAGE).
            """,
        subcommands: [
            RolloutStartCommand.self, RolloutStatusCommand.self, RolloutListCommand.self,
            RolloutPauseCommand.self, RolloutResumeCommand.self, RolloutPromoteCommand.self,
            RolloutAbortCommand.self, RolloutWeightCommand.self,
        ]
    )
}
