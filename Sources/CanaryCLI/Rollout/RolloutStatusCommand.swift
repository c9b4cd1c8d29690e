import ArgumentParser
import CanaryAPI
import CanaryCore
import Foundation

/// `canary rollout status [ID] [--watch] [--exit-status]`.
struct RolloutStatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a rollout: status line, what it waits for, the latest verdicts, the last decision.",
        discussion: """
            Without ID, shows the active rollout (the most recent one if several are active, \
            or the most recent finished one if none is). With --watch, follows the \
            coordinator's event stream and prints the status line again whenever it changes \
            or a decision is taken, until the rollout ends (or Ctrl-C).

            With --exit-status the exit status says how the rollout stands: 0 progressing, \
            pending, paused or promoted; 4 rolled back or aborted. Errors keep their usual \
            codes (1 refused, e.g. unknown id; 3 coordinator unreachable).
            """)

    @OptionGroup var options: RolloutOptions

    @Argument(help: ArgumentHelp("The rollout id (default: the active rollout).", valueName: "id"))
    var id: String?

    @Flag(name: .long, help: "Follow the rollout live until it ends.")
    var watch = false

    @Flag(name: .long, help: "Exit 4 if the rollout was rolled back or aborted (0 otherwise).")
    var exitStatus = false

    func run() async throws {
        var shown: RolloutView?
        try await reportingFailures {
            shown = try await options.withClient { client in
                if watch { return try await follow(client) }
                let (view, body) = try await fetch(client)
                if options.json {
                    print(RolloutFormat.prettyJSON(body))
                } else {
                    for line in RolloutFormat.details(view) { print(line) }
                }
                return view
            }
        }
        if exitStatus, let phase = shown?.phase, phase == .rolledBack || phase == .aborted {
            throw ExitCode(rolledBackExitCode)
        }
    }

    /// The rollout named by `id`, or the one `status` without id means.
    func fetch(_ client: CoordinatorAPIClient) async throws -> (RolloutView, Data) {
        if let id { return try await fetch(client, id: id) }
        // The API lists rollouts in progress first, then newest first: the
        // first is the one `status` means.
        guard let chosen = try await client.rollouts(limit: 1).value.first else {
            throw RolloutFailure(kind: .refused, message: "the coordinator has no rollouts; start one with 'canary rollout start --plan FILE'")
        }
        return try await fetch(client, id: chosen.id)
    }

    /// Prints the status (details first, then a line per change) until the
    /// rollout reaches a terminal phase; returns its last view.
    func follow(_ client: CoordinatorAPIClient) async throws -> RolloutView {
        // Subscribe before the first fetch so nothing between the two is missed.
        let events = try await client.events()
        var (view, body) = try await fetch(client)
        if options.json { emit(RolloutFormat.prettyJSON(body)) } else { for line in RolloutFormat.details(view) { emit(line) } }
        var lastLine = RolloutFormat.statusLine(view)
        if view.phase.isTerminal { return view }
        do {
            for try await event in events {
                switch event.type {
                case "rollout":
                    guard let update = try? JSONDecoder().decode(RolloutView.self, from: Data(event.data.utf8)),
                          update.id == view.id else { continue }
                    view = update
                    body = Data(event.data.utf8)
                case "decision":
                    guard let decision = try? JSONDecoder().decode(DecisionEvent.self, from: Data(event.data.utf8)),
                          decision.rolloutID == view.id else { continue }
                    if !options.json { emit("  decision: \(decision.decision.action.rawValue): \(decision.decision.reason)") }
                    (view, body) = try await fetch(client, id: view.id)
                default:
                    continue
                }
                let line = RolloutFormat.statusLine(view)
                if options.json {
                    emit(RolloutFormat.prettyJSON(body))
                } else if line != lastLine {
                    emit(line)
                }
                lastLine = line
                if view.phase.isTerminal { break }
            }
        } catch let failure as RolloutFailure {
            throw failure
        } catch let failure as APIClientError {
            throw failure
        } catch {
            throw RolloutFailure(kind: .unavailable, message: "lost the coordinator's event stream: \(error)")
        }
        if !view.phase.isTerminal {
            throw RolloutFailure(kind: .unavailable, message: "the coordinator's event stream ended before the rollout did")
        }
        return view
    }

    private func fetch(_ client: CoordinatorAPIClient, id: String) async throws(APIClientError) -> (RolloutView, Data) {
        let answer = try await client.rollout(id: id)
        return (answer.value, answer.body)
    }

    /// Unbuffered, even into a pipe or file: a watcher's output is read live.
    private func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
