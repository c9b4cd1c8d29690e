import CanaryCore
import Foundation

/// `canary replay --journal`: one journaled rollout's inputs through a plan
/// (``JournalReplayer``), next to the decisions the journal holds.
public enum RolloutReplay {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Code: String, Sendable {
            case journal
            case unknownRollout = "unknown_rollout"
            case noWindows = "no_windows"
            case planMismatch = "plan_mismatch"
        }

        public let code: Code
        public let description: String
    }

    public struct Replayed: Sendable {
        public var result: JournalReplayer.Result
        /// The JSON lines to print (JournalReplayOutput).
        public var lines: [String]
    }

    public static func run(journal: JournalArchive, rolloutID: String, plan: RolloutPlan) throws(Failure) -> Replayed {
        do {
            return try replay(journal: journal, rolloutID: rolloutID, plan: plan)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(code: .journal, description: "\(error)")
        }
    }

    private static func replay(journal: JournalArchive, rolloutID: String, plan: RolloutPlan) throws -> Replayed {
        guard let rollout = try journal.rollout(id: rolloutID) else {
            throw Failure(code: .unknownRollout, description: "\(journal.path) has no rollout '\(rolloutID)'; " + (try listing(journal)))
        }
        let replayer = JournalReplayer(plan: plan)
        if let mismatch = replayer.mismatch(rolloutID: rollout.id, model: rollout.model, baseline: rollout.baseline, canary: rollout.canary) {
            throw Failure(code: .planMismatch, description: mismatch)
        }
        guard try journal.keepsInputs() else {
            throw Failure(code: .noWindows, description: "rollout \(rolloutID) has no windows in \(journal.path): the journal was written before coordinators kept each rollout's inputs (schema v6), and its per-second aggregates carry no histograms to judge by")
        }
        var events: [RolloutEvent] = []
        for input in try journal.inputs(rolloutID: rolloutID) { events += try input.events() }
        guard case .start = events.first(where: { if case .start = $0 { true } else { false } }) else {
            throw Failure(code: .noWindows, description: "rollout \(rolloutID) began before its coordinator kept rollout inputs (schema v6): \(journal.path) holds only part of what it handled, so no replay would be faithful")
        }
        guard events.contains(where: { if case .window = $0 { true } else { false } }) else {
            throw Failure(code: .noWindows, description: "rollout \(rolloutID) (\(rollout.model), \(rollout.phase)) has no windows in \(journal.path): no agent's window reached it before it ended, or its coordinator predates the input log (schema v6); there is nothing to judge")
        }
        let decisions = try journal.decisions(rolloutID: rolloutID)
        let journaled = decisions.map { pair in
            var decision = pair.event.decision
            // The run clock's time (journaled since v6); the wall clock's otherwise.
            decision.atMs = pair.record.runMs ?? pair.record.tMs
            return decision
        }
        let result = replayer.run(events: events, journaled: journaled)
        let lines = JournalReplayOutput.lines(for: result, rolloutID: rolloutID, plan: plan, journaledWallMs: decisions.map(\.record.tMs),
                                              journaledPhase: RolloutPhase(rawValue: rollout.phase) ?? .paused)
        return Replayed(result: result, lines: lines)
    }

    /// The rollouts a journal holds, for the message naming an unknown id.
    static func listing(_ journal: JournalArchive) throws -> String {
        let rollouts = try journal.rollouts()
        guard !rollouts.isEmpty else { return "it holds no rollout at all" }
        let formatter = ISO8601DateFormatter()
        let items = rollouts.map { r in
            "\(r.id) (model \(r.model), \(r.baseline) → \(r.canary), started \(formatter.string(from: Date(timeIntervalSince1970: Double(r.createdMs) / 1000))), \(r.phase))"
        }
        return "it holds: " + items.joined(separator: "; ")
    }
}
