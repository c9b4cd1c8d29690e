import ArgumentParser
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import Foundation

/// `canary replay --plan PLAN trace.csv` backtests a plan on a recorded or
/// synthetic trace; `canary replay --plan PLAN --journal J --rollout ID` on
/// what a coordinator really received during a past rollout. All logic
/// lives in CanaryCore (`TraceReplayer`, `JournalReplayer`) and, for the
/// journal, CanaryCoordinator (`JournalArchive`, `RolloutReplay`); this
/// only reads files and prints.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the judge and the rollout state machine over a trace, or over a past rollout's journal.",
        discussion: """
            TRACE: CSV (RFC 4180: LF or CRLF line ends, quoted fields with commas, line ends and \
            doubled quotes, an optional UTF-8 byte-order mark — what Python's csv module and \
            spreadsheets write) whose header names the columns t_ms,key,version,latency_ms,status,\
            prediction,label in any order; other columns are ignored and named on standard error. \
            status is ok, client_error, server_error or timeout; prediction and label may be empty. \
            Rows sharing (t_ms, key) are what each version would have done for that request: the \
            request is routed by the plan's split at that moment, with the route page's sticky hash, \
            and only the chosen version's row is kept. A lone row is used as recorded. Prints one \
            JSON line per decision, then {"summary":{"outcome":…,"t_ms":…}}. Malformed rows are \
            reported on standard error as FILE:LINE: cause and skipped.

            JOURNAL (--journal FILE --rollout ID): feeds everything the coordinator's state machine \
            handled during that rollout — each window of both arms as received, every tick, operator \
            command and stale-agent change, at its run-clock time and in its order — through the plan, \
            and prints what it would have decided next to what was decided: a header line, one line \
            per decision {"decision":N,"same":…,"replayed":{…},"journaled":{…}} (t_ms is run-clock ms \
            after the rollout's start), then a summary. Routing is as it happened: the windows carry \
            the traffic of the split that was really applied, not of the split this plan would have \
            chosen. With the rollout's own plan the decisions are the journaled ones, at the same \
            times. The journal is opened read-only: safe beside a running coordinator.

            Exit status 2 when the input cannot be replayed (the cause on standard error): a malformed \
            plan; a trace that is empty, has no rows, lacks a required column, has an unterminated \
            quote or lacks the plan's baseline or canary; a journal that is missing, not a Canary \
            journal, of a newer schema, without that rollout (the ones it holds are listed) or its \
            windows, or for another model or versions than the plan's.
            """
    )

    @Option(name: .long, help: "The rollout plan (YAML).")
    var plan: String

    @Option(name: .long, help: "Window length in simulated milliseconds (trace only).")
    var windowMs: Int64 = 1000

    @Option(name: .long, help: ArgumentHelp("A coordinator's journal (SQLite) to replay a past rollout from; needs --rollout.", valueName: "file"))
    var journal: String?

    @Option(name: .long, help: ArgumentHelp("The id of the journaled rollout to replay (as `canary rollout list` shows it).", valueName: "id"))
    var rollout: String?

    @Argument(help: "The trace (CSV); not with --journal.")
    var trace: String?

    func validate() throws {
        guard windowMs > 0 else { throw ValidationError("--window-ms must be positive") }
        switch (trace, journal) {
        case (nil, nil): throw ValidationError("give a trace (CSV) or --journal FILE --rollout ID")
        case (.some, .some): throw ValidationError("give a trace or --journal, not both")
        case (nil, .some): if rollout == nil { throw ValidationError("--journal needs --rollout ID (the rollout to replay)") }
        case (.some, nil): if rollout != nil { throw ValidationError("--rollout goes with --journal") }
        }
    }

    func run() throws {
        let planText = try read(plan, what: "plan")
        let rolloutPlan: RolloutPlan
        do {
            rolloutPlan = try RolloutPlan.parse(yaml: planText, file: plan)
        } catch {
            fail(error.description)
        }
        if let journal, let rollout {
            try replay(journal: journal, rollout: rollout, plan: rolloutPlan)
        } else if let trace {
            try replay(trace: trace, plan: rolloutPlan)
        }
    }

    private func replay(trace: String, plan: RolloutPlan) throws {
        let result: TraceReplayer.Result
        do {
            result = try TraceReplayer(plan: plan, windowMs: windowMs).run(csv: try read(trace, what: "trace"))
        } catch let issue as TraceIssue {
            fail(issue.line > 0 ? "\(trace):\(issue.line): \(issue.message)" : "\(trace): \(issue.message)")
        }
        if !result.ignoredColumns.isEmpty {
            note("\(trace):1: note: ignoring the columns \(result.ignoredColumns.map { "\"\($0)\"" }.joined(separator: ", ")) (replay uses \(TraceCSV.columns.joined(separator: ",")))")
        }
        for issue in result.issues { note("\(trace):\(issue.line): \(issue.message)") }
        for line in ReplayOutput.lines(for: result) { print(line) }
    }

    private func replay(journal path: String, rollout: String, plan: RolloutPlan) throws {
        do {
            let replayed = try RolloutReplay.run(journal: try JournalArchive(path: path), rolloutID: rollout, plan: plan)
            note("note: routing \(JournalReplayOutput.routing)")
            for line in replayed.lines { print(line) }
        } catch let failure as JournalArchive.Failure {
            fail(failure.description)
        } catch let failure as RolloutReplay.Failure {
            fail(failure.description)
        }
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }

    private func fail(_ message: String) -> Never {
        note(message)
        Self.exit(withError: ExitCode(2))
    }

    private func read(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read the \(what) \(path): \(error.localizedDescription)")
        }
    }
}
