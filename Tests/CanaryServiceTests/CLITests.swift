@testable import CanaryCLI
import Foundation
import Testing

/// `canary rollout …` against a live coordinator: every subcommand, human
/// and `--json` output, exit codes, bad arguments. Each test has its own
/// coordinator (port 0, temp journal), so they run in parallel.
@Suite("CLI", .timeLimit(.minutes(2)))
struct CLITests {
    static let statusLinePrefix = "fraud-detector v41→v42  Progressing  step 1/3  canary 10.00 %"

    /// Starts the fast example plan and returns its id.
    func startFast(_ coordinator: CLICoordinator) async throws -> String {
        let result = try await CLIProcess.rollout(coordinator, ["start", "--json", "--plan", CLIPlans.fast])
        #expect(result.status == 0, "\(result)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return try #require(object?["id"] as? String, "\(result)")
    }

    @Test("start, status, list: human and --json output")
    func startStatusList() async throws {
        let coordinator = try await CLICoordinator.start()
        defer { Task { await coordinator.stop() } }

        let start = try await CLIProcess.rollout(coordinator, ["start", CLIPlans.fast])
        #expect(start.status == 0, "\(start)")
        let lines = start.stdout.split(separator: "\n").map(String.init)
        let id = try #require(lines.first?.split(separator: " ").last.map(String.init), "\(start)")
        #expect(lines.first == "started \(id)")
        #expect(lines.dropFirst().first?.hasPrefix(Self.statusLinePrefix) == true, "\(start)")
        #expect(start.stdout.contains("p99 – vs –  errors – vs –"), "no data yet: \(start)")

        // Without an id: the active rollout; no agents, so it waits for data.
        let status = try await CLIProcess.rollout(coordinator, ["status"])
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.hasPrefix(Self.statusLinePrefix), "\(status)")
        #expect(status.stdout.contains("  id: \(id)"), "\(status)")
        #expect(status.stdout.contains("waiting for:"), "\(status)")
        #expect(status.stdout.contains("last decision:"), "\(status)")

        let statusJSON = try await CLIProcess.rollout(coordinator, ["status", id, "--json"])
        #expect(statusJSON.status == 0, "\(statusJSON)")
        let object = try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [String: Any]
        #expect(object?["id"] as? String == id)
        #expect(object?["phase"] as? String == "progressing")
        #expect(object?["canaryWeightPPM"] as? Int == 100_000)
        #expect(statusJSON.stdout.contains("\n  \""), "pretty-printed: \(statusJSON)")

        let list = try await CLIProcess.rollout(coordinator, ["list"])
        #expect(list.status == 0, "\(list)")
        #expect(list.stdout.hasPrefix("\(id)  \(Self.statusLinePrefix)"), "\(list)")

        let listJSON = try await CLIProcess.rollout(coordinator, ["list", "--json"])
        #expect(listJSON.status == 0, "\(listJSON)")
        let array = try JSONSerialization.jsonObject(with: Data(listJSON.stdout.utf8)) as? [[String: Any]]
        #expect(array?.map { $0["id"] as? String } == [id])

        // A second rollout of the same model is refused while the first is active.
        let again = try await CLIProcess.rollout(coordinator, ["start", "--plan", CLIPlans.fast])
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.contains("already has an active rollout (\(id)"), "\(again)")
        #expect(again.stdout.isEmpty)
    }

    @Test("pause, resume, weight, promote, abort; status --exit-status")
    func operatorCommands() async throws {
        let coordinator = try await CLICoordinator.start()
        defer { Task { await coordinator.stop() } }
        let id = try await startFast(coordinator)

        let pause = try await CLIProcess.rollout(coordinator, ["pause", id])
        #expect(pause.status == 0, "\(pause)")
        #expect(pause.stdout.hasPrefix("fraud-detector v41→v42  Paused  step 1/3"), "\(pause)")

        let pauseAgain = try await CLIProcess.rollout(coordinator, ["pause", id])
        #expect(pauseAgain.status == 1, "\(pauseAgain)")
        #expect(pauseAgain.stderr.contains("only a progressing rollout can be paused"), "\(pauseAgain)")

        let resume = try await CLIProcess.rollout(coordinator, ["resume", id, "--json"])
        #expect(resume.status == 0, "\(resume)")
        let resumed = try JSONSerialization.jsonObject(with: Data(resume.stdout.utf8)) as? [String: Any]
        #expect(resumed?["phase"] as? String == "progressing", "\(resume)")

        for (given, shown) in [("5", "5.00 %"), ("0.1%", "0.10 %"), ("12.5 %", "12.50 %")] {
            let weight = try await CLIProcess.rollout(coordinator, ["weight", id, given])
            #expect(weight.status == 0, "\(weight)")
            #expect(weight.stdout.contains("canary \(shown)"), "\(given): \(weight)")
        }
        let weightJSON = try await CLIProcess.rollout(coordinator, ["weight", id, "1%", "--json"])
        let weighted = try JSONSerialization.jsonObject(with: Data(weightJSON.stdout.utf8)) as? [String: Any]
        #expect(weighted?["canaryWeightPPM"] as? Int == 10_000, "\(weightJSON)")

        let promote = try await CLIProcess.rollout(coordinator, ["promote", id])
        #expect(promote.status == 0, "\(promote)")
        #expect(promote.stdout.contains("Promoted"), "\(promote)")
        #expect(promote.stdout.contains("canary 100.00 %"), "\(promote)")
        let promoted = try await CLIProcess.rollout(coordinator, ["status", id, "--exit-status"])
        #expect(promoted.status == 0, "\(promoted)")

        // Finished: commands are refused with the reason.
        let late = try await CLIProcess.rollout(coordinator, ["abort", id])
        #expect(late.status == 1, "\(late)")
        #expect(late.stderr.contains("already promoted"), "\(late)")

        // A second rollout, aborted: --exit-status says 4.
        let second = try await startFast(coordinator)
        let abort = try await CLIProcess.rollout(coordinator, ["abort", second])
        #expect(abort.status == 0, "\(abort)")
        #expect(abort.stdout.contains("Aborted") && abort.stdout.contains("canary 0.00 %"), "\(abort)")
        let aborted = try await CLIProcess.rollout(coordinator, ["status", second, "--exit-status"])
        #expect(aborted.status == 4, "\(aborted)")
        #expect(aborted.stdout.contains("Aborted"), "\(aborted)")
        let plain = try await CLIProcess.rollout(coordinator, ["status", second])
        #expect(plain.status == 0, "without --exit-status: \(plain)")

        let list = try await CLIProcess.rollout(coordinator, ["list"])
        #expect(list.stdout.split(separator: "\n").count == 2, "\(list)")
    }

    @Test("status --watch follows the stream until the rollout ends")
    func watch() async throws {
        let coordinator = try await CLICoordinator.start()
        defer { Task { await coordinator.stop() } }
        let id = try await startFast(coordinator)
        let watcher = try CLIProcess(["rollout", "status", id, "--watch", "--exit-status", "--coordinator", coordinator.url])
        // Let it print the first status (and so be subscribed) before acting.
        for _ in 0..<100 where !watcher.stdoutSoFar().contains("  id: ") {
            try await Task.sleep(for: .milliseconds(100))
        }
        let pause = try await CLIProcess.rollout(coordinator, ["pause", id])
        #expect(pause.status == 0, "\(pause)")
        try await Task.sleep(for: .milliseconds(300))
        let abort = try await CLIProcess.rollout(coordinator, ["abort", id])
        #expect(abort.status == 0, "\(abort)")
        let result = await watcher.result(limit: .seconds(20))
        #expect(result.status == 4, "\(result)")
        #expect(result.stdout.contains("Paused"), "\(result)")
        #expect(result.stdout.contains("decision: abort"), "\(result)")
        #expect(result.stdout.split(separator: "\n").last?.contains("Aborted") == true, "\(result)")
    }

    @Test("bad arguments are usage errors (exit 64) and say why")
    func badArguments() async throws {
        let coordinator = try await CLICoordinator.start()
        defer { Task { await coordinator.stop() } }
        let cases: [([String], String)] = [
            (["weight", "some-id", "150"], "between 0 and 100"),
            (["weight", "some-id", "abc"], "percentage like 5, 5% or 0.1%"),
            (["weight", "some-id", "0.00001%"], "0.0001 %"),
            (["start", "--plan", "/nonexistent/plan.yaml"], "cannot read the plan file '/nonexistent/plan.yaml'"),
            (["start"], "name the plan file"),
            (["pause"], "Missing expected argument"),
            (["status", "--timeout", "0"], "--timeout must be a positive"),
            (["list", "--limit", "0"], "--limit must be between 1 and 1000"),
            (["list", "--offset=-1"], "--offset must be 0 or more"),
        ]
        for (arguments, message) in cases {
            let result = try await CLIProcess.rollout(coordinator, arguments)
            #expect(result.status == 64, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
        }
        let badURL = try await CLIProcess.run(["rollout", "list", "--coordinator", "ftp://x"])
        #expect(badURL.status == 64, "\(badURL)")
    }

    @Test("refusals exit 1 with the coordinator's message: unknown id, invalid plan")
    func refusals() async throws {
        let coordinator = try await CLICoordinator.start()
        defer { Task { await coordinator.stop() } }
        for arguments in [["status", "no-such-rollout"], ["pause", "no-such-rollout"], ["weight", "no-such-rollout", "5"]] {
            let result = try await CLIProcess.rollout(coordinator, arguments)
            #expect(result.status == 1, "\(arguments): \(result)")
            #expect(result.stderr.contains("no rollout with id 'no-such-rollout'"), "\(arguments): \(result)")
        }
        let none = try await CLIProcess.rollout(coordinator, ["status"])
        #expect(none.status == 1, "\(none)")
        #expect(none.stderr.contains("no rollouts"), "\(none)")
        let emptyList = try await CLIProcess.rollout(coordinator, ["list"])
        #expect(emptyList.status == 0 && emptyList.stdout == "no rollouts\n", "\(emptyList)")

        // Line 4 has a step over 100 %.
        let plan = try coordinator.file("bad-plan.yaml", """
            model: fraud-detector
            baseline: v41
            canary: v42
            steps: [10%, 50%, 150%]
            bake:
              min_duration: 10s
              min_samples_per_arm: 200
            guards:
              - metric: error_rate
                tolerance: 20%

            """)
        let bad = try await CLIProcess.rollout(coordinator, ["start", "--plan", plan])
        #expect(bad.status == 1, "\(bad)")
        #expect(bad.stderr.contains("\(plan):4:"), "the file and line: \(bad)")
        #expect(!bad.stderr.contains("request body"), "\(bad)")
    }

    @Test("unreachable coordinator: exit 3")
    func unreachable() async throws {
        // A port nobody listens on: bound and closed again by the OS right away.
        let result = try await CLIProcess.run(["rollout", "list", "--coordinator", "http://127.0.0.1:1", "--timeout", "5"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("cannot reach the coordinator at http://127.0.0.1:1"), "\(result)")
        let environment = try await CLIProcess.run(["rollout", "status", "x"], environment: ["CANARY_COORDINATOR": "http://127.0.0.1:1"])
        #expect(environment.status == 3, "CANARY_COORDINATOR is used: \(environment)")
    }

    @Test("a coordinator with a token: missing or wrong token exit 1; --token and CANARY_TOKEN work")
    func token() async throws {
        let coordinator = try await CLICoordinator.start(token: "s3cret")
        defer { Task { await coordinator.stop() } }
        let missing = try await CLIProcess.rollout(coordinator, ["start", "--plan", CLIPlans.fast])
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("requires an API token"), "\(missing)")
        let wrong = try await CLIProcess.rollout(coordinator, ["start", "--plan", CLIPlans.fast, "--token", "nope"])
        #expect(wrong.status == 1, "\(wrong)")
        #expect(wrong.stderr.contains("the API token is wrong"), "\(wrong)")

        let start = try await CLIProcess.rollout(coordinator, ["start", "--plan", CLIPlans.fast, "--token", "s3cret"])
        #expect(start.status == 0, "\(start)")
        // Reading the rollouts needs it too (they name agents); from the environment here.
        let unauthorizedList = try await CLIProcess.rollout(coordinator, ["list"])
        #expect(unauthorizedList.status == 1 && unauthorizedList.stderr.contains("requires an API token"), "\(unauthorizedList)")
        let list = try await CLIProcess.rollout(coordinator, ["list"], environment: ["CANARY_TOKEN": "s3cret"])
        #expect(list.status == 0, "\(list)")
        let id = try #require(list.stdout.split(separator: " ").first.map(String.init))
        let abort = try await CLIProcess.rollout(coordinator, ["abort", id], environment: ["CANARY_TOKEN": "s3cret"])
        #expect(abort.status == 0, "\(abort)")
    }

    @Test("the help documents the exit codes")
    func help() async throws {
        let result = try await CLIProcess.run(["rollout", "--help"])
        #expect(result.status == 0, "\(result)")
        for text in ["EXIT STATUS", "start", "status", "weight", "CANARY_COORDINATOR"] {
            #expect(result.stdout.contains(text), "\(text): \(result)")
        }
    }

    @Test("weight parsing is exact", arguments: [
        ("5", UInt32(50_000)), ("5%", 50_000), ("0.1%", 1_000), ("0.1 %", 1_000), ("100", 1_000_000), ("0", 0), ("0.0001%", 1),
    ])
    func weightParsing(text: String, ppm: UInt32) throws {
        #expect(try RolloutWeightCommand.partsPerMillion(text) == ppm)
    }
}
