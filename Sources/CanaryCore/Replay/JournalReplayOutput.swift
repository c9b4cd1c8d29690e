import Foundation

/// The JSON lines `canary replay --journal` prints: what is replayed, one
/// line per decision (the replayed one next to the journaled one), then a
/// summary. Times are run-clock milliseconds after the rollout's start, on
/// both sides. Keys are sorted so the output is reproducible.
public enum JournalReplayOutput {
    /// What the output says about routing, every time.
    public static let routing = "as it happened: the windows carry the traffic of the split the coordinator really applied, not of the split this plan would have chosen; decisions after the first difference are what this plan would have decided on that traffic"

    struct Header: Encodable {
        struct Body: Encodable {
            var rollout, model, baseline, canary, routing, times: String
            var windows, ticks, commands: Int
        }
        var replay: Body
    }

    struct Side: Encodable {
        var tMs: Int64
        var action: String
        var step: Int
        var weightsPPM: [String: UInt32]
        var reason: String
        var wallMs: Int64?
        enum CodingKeys: String, CodingKey { case tMs = "t_ms", action, step, weightsPPM = "weights_ppm", reason, wallMs = "wall_ms" }
    }

    struct PairLine: Encodable {
        var decision: Int
        var same: Bool
        var replayed: Side?
        var journaled: Side?
    }

    struct SummaryLine: Encodable {
        struct Body: Encodable {
            var outcome: String
            var journaledOutcome: String
            var decisions: Int
            var journaledDecisions: Int
            var same: Bool
            var firstDifference: Int?
            enum CodingKeys: String, CodingKey {
                case outcome, journaledOutcome = "journaled_outcome", decisions, journaledDecisions = "journaled_decisions", same,
                     firstDifference = "first_difference"
            }
        }
        var summary: Body
    }

    /// `journaledWallMs`: the wall-clock time of each journaled decision,
    /// in order; `journaledPhase`: the rollout's phase in the journal.
    public static func lines(for result: JournalReplayer.Result, rolloutID: String, plan: RolloutPlan,
                             journaledWallMs: [Int64], journaledPhase: RolloutPhase) -> [String] {
        var lines = [string(Header(replay: .init(
            rollout: rolloutID, model: plan.model, baseline: plan.baseline, canary: plan.canary, routing: routing,
            times: "t_ms: run-clock milliseconds after the rollout's start (wall_ms: the wall clock's, as journaled)",
            windows: result.windows, ticks: result.ticks, commands: result.commands)))]
        func side(_ decision: Decision?, wallMs: Int64?) -> Side? {
            decision.map { Side(tMs: $0.atMs - result.startMs, action: $0.action.rawValue, step: $0.stepIndex + 1,
                                weightsPPM: $0.weightsPPM, reason: $0.reason, wallMs: wallMs) }
        }
        for (i, pair) in result.pairs.enumerated() {
            lines.append(string(PairLine(decision: i + 1, same: pair.agrees, replayed: side(pair.replayed, wallMs: nil),
                                         journaled: side(pair.journaled, wallMs: journaledWallMs.indices.contains(i) ? journaledWallMs[i] : nil))))
        }
        let first = result.pairs.firstIndex { !$0.agrees }
        lines.append(string(SummaryLine(summary: .init(
            outcome: result.outcome.rawValue, journaledOutcome: TraceReplayer.Outcome(journaledPhase).rawValue,
            decisions: result.decisions.count, journaledDecisions: result.pairs.compactMap(\.journaled).count,
            same: first == nil, firstDifference: first.map { $0 + 1 }))))
        return lines
    }

    private static func string(_ value: some Encodable) -> String {
        // Every field is a finite number or a string: encoding cannot fail.
        String(decoding: (try? ReplayOutput.encoder().encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
