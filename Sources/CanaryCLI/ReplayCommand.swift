import ArgumentParser
import CanaryConfig
import CanaryCore
import Foundation

/// `canary replay --plan PLAN trace.csv`: backtests a plan on a recorded or
/// synthetic trace. All logic lives in CanaryCore (`TraceReplayer`,
/// `ReplayOutput`); this only reads files and prints.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the judge and the rollout state machine over a trace, on simulated time.",
        discussion: """
            The trace is CSV with the header t_ms,key,version,latency_ms,status,prediction,label \
            (status is ok, client_error, server_error or timeout; prediction and label may be empty). \
            Rows sharing (t_ms, key) are what each version would have done for that request: the \
            request is routed by the plan's split at that moment, with the route page's sticky hash, \
            and only the chosen version's row is kept. A lone row is used as recorded.

            Prints one JSON line per decision, then {"summary":{"outcome":…,"t_ms":…}}. Malformed \
            rows are reported on standard error with their line number and skipped.
            """
    )

    @Option(name: .long, help: "The rollout plan (YAML).")
    var plan: String

    @Option(name: .long, help: "Window length in simulated milliseconds.")
    var windowMs: Int64 = 1000

    @Argument(help: "The trace (CSV).")
    var trace: String

    func validate() throws {
        guard windowMs > 0 else { throw ValidationError("--window-ms must be positive") }
    }

    func run() throws {
        let planText = try read(plan, what: "plan")
        let rolloutPlan: RolloutPlan
        do {
            rolloutPlan = try RolloutPlan.parse(yaml: planText, file: plan)
        } catch {
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            throw ExitCode(2)
        }
        let result = TraceReplayer(plan: rolloutPlan, windowMs: windowMs).run(csv: try read(trace, what: "trace"))
        for issue in result.issues {
            FileHandle.standardError.write(Data("\(trace):\(issue.line): \(issue.message)\n".utf8))
        }
        for line in ReplayOutput.lines(for: result) { print(line) }
    }

    private func read(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }
}
