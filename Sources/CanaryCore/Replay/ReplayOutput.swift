import Foundation

/// The JSON lines `canary replay` prints: one per decision, then a summary.
/// Keys are sorted so the output is byte-for-byte reproducible.
public enum ReplayOutput {
    struct DecisionLine: Encodable {
        var tMs: Int64
        var action: String
        var weightsPPM: [String: UInt32]
        var reason: String
        var evidence: [String: Evidence]

        enum CodingKeys: String, CodingKey {
            case tMs = "t_ms", action, weightsPPM = "weights_ppm", reason, evidence
        }
    }

    struct SummaryLine: Encodable {
        struct Body: Encodable {
            var outcome: String
            var tMs: Int64
            var decisions: Int
            var malformedRows: Int
            enum CodingKeys: String, CodingKey { case outcome, tMs = "t_ms", decisions, malformedRows = "malformed_rows" }
        }
        var summary: Body
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func line(for decision: Decision) -> String {
        var evidence: [String: Evidence] = [:]
        for e in decision.evidence { evidence[e.guardName] = e }
        let line = DecisionLine(
            tMs: decision.atMs, action: decision.action.rawValue, weightsPPM: decision.weightsPPM,
            reason: decision.reason, evidence: evidence)
        return string(line)
    }

    public static func summary(for result: TraceReplayer.Result) -> String {
        string(SummaryLine(summary: .init(
            outcome: result.outcome.rawValue, tMs: result.endMs, decisions: result.decisions.count,
            malformedRows: result.issues.count)))
    }

    public static func lines(for result: TraceReplayer.Result) -> [String] {
        result.decisions.map(line(for:)) + [summary(for: result)]
    }

    private static func string(_ value: some Encodable) -> String {
        // Every field is a finite number or a string: encoding cannot fail.
        String(decoding: (try? encoder().encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
