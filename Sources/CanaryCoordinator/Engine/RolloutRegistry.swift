import CanaryAPI
import CanaryCore

/// The rollouts this coordinator steers, and the one place their state
/// machines are driven: every event a machine handles goes through
/// ``handle(_:id:now:)``, which also records the decisions it made. The
/// events carry run-clock times; the decisions leave stamped with the
/// wall clock, for the people and the journal that read them.
struct RolloutRegistry: Sendable {
    private(set) var entries: [String: RolloutEntry]
    /// Every event an active machine handled since ``takeInputs()``, with
    /// the wall clock's reading: journaled with the next commit (RolloutInputRecord).
    private var inputs: [(id: String, event: RolloutEvent, wallMs: Int64)] = []

    init(_ entries: [String: RolloutEntry] = [:]) {
        self.entries = entries
    }

    subscript(id: String) -> RolloutEntry? { entries[id] }

    /// Ids of the rollouts not yet promoted, rolled back or aborted, sorted
    /// (so ticks and restarts handle them in the same order).
    var activeIDs: [String] {
        entries.values.filter { !$0.machine.phase.isTerminal }.map(\.id).sorted()
    }

    /// The model's rollout still in progress, if any (there is at most one).
    func active(model: String) -> RolloutEntry? {
        entries.values.first { $0.machine.plan.model == model && !$0.machine.phase.isTerminal }
    }

    mutating func insert(_ entry: RolloutEntry) {
        entries[entry.id] = entry
    }

    /// Makes room for one more rollout within `limit`: finished ones leave
    /// memory oldest first (the journal and the read model keep them).
    /// Returns the ids dropped, or nil when every one kept is in progress.
    mutating func makeRoom(limit: Int) -> [String]? {
        guard entries.count >= limit else { return [] }
        let finished = entries.values.filter { $0.machine.phase.isTerminal }.sorted { ($0.updatedMs, $0.id) < ($1.updatedMs, $1.id) }
        let excess = entries.count - limit + 1
        guard finished.count >= excess else { return nil }
        let dropped = finished.prefix(excess).map(\.id)
        for id in dropped { entries[id] = nil }
        return dropped
    }

    /// Feeds one event to a rollout's machine. Each decision is remembered
    /// as the rollout's last and returned with the rollout as it stood then.
    /// The machine is mutated in place (optional chaining through the
    /// dictionary): a copy would duplicate its histograms on every window.
    mutating func handle(_ event: RolloutEvent, id: String, now: Moment) -> [Decided] {
        if entries[id]?.machine.phase.isTerminal == false { inputs.append((id, event, now.wallMs)) }
        guard let decisions = entries[id]?.machine.handle(event), !decisions.isEmpty else { return [] }
        var decided: [Decided] = []
        entries[id]?.updatedMs = now.wallMs
        entries[id]?.updatedRunMs = now.runMs
        for var decision in decisions {
            decision.atMs = now.wallMs
            entries[id]?.lastDecision = decision
            guard let entry = entries[id] else { continue }
            let plan = entry.machine.plan
            decided.append(Decided(event: DecisionEvent(rolloutID: id, model: plan.model, decision: decision),
                                   canary: plan.canary, control: RouteBook.ControlPool(plan), rollout: RolloutView(entry: entry),
                                   nowMs: now.wallMs, runMs: now.runMs))
        }
        return decided
    }

    /// The journal rows for the events handled since the last call, per
    /// rollout in order (a step's commit carries them; a failed commit
    /// drops them with the step, as the machines are rebuilt without them).
    mutating func takeInputs() -> [RolloutInputRecord] {
        guard !inputs.isEmpty else { return [] }
        var byRollout: [String: [(event: RolloutEvent, wallMs: Int64)]] = [:]
        for input in inputs { byRollout[input.id, default: []].append((input.event, input.wallMs)) }
        inputs.removeAll()
        return byRollout.keys.sorted().flatMap { RolloutInputRecord.records(rolloutID: $0, inputs: byRollout[$0]!) }
    }

    /// A counted window goes to every active rollout of its model (ids of
    /// the rollouts fed, and what they decided).
    mutating func feed(_ window: Window, now: Moment) -> (fed: [String], decided: [Decided]) {
        var fed: [String] = []
        var decided: [Decided] = []
        // Not `activeIDs`: no sorting per window (at most one matches).
        let ids = entries.values.filter { $0.machine.plan.model == window.model && !$0.machine.phase.isTerminal }.map(\.id)
        for id in ids {
            fed.append(id)
            decided += handle(.window(window, receivedAt: now.runMs), id: id, now: now)
        }
        return (fed, decided)
    }

    /// Why an active rollout of the window's model would refuse it, if one would.
    func mergeProblem(_ window: Window) -> WindowError? {
        for entry in entries.values where entry.machine.plan.model == window.model && !entry.machine.phase.isTerminal {
            if let problem = entry.machine.mergeProblem(window) { return problem }
        }
        return nil
    }

    /// Models with a rollout in progress and the versions it compares:
    /// never evicted from the model book.
    var protectedVersions: [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for entry in entries.values where !entry.machine.phase.isTerminal {
            let plan = entry.machine.plan
            result[plan.model, default: []].formUnion([plan.baseline, plan.canary])
        }
        return result
    }

    /// Tells every active rollout which of its model's agents are stale now.
    mutating func noteStaleAgents(in fleet: Fleet, now: Moment) {
        for id in activeIDs {
            guard let model = entries[id]?.machine.plan.model else { continue }
            _ = handle(.staleAgents(Self.staleAgents(of: model, in: fleet), at: now.runMs), id: id, now: now)
        }
    }

    /// Tells every active rollout the time the run clock left out.
    mutating func noteTimeLeftOut(stoppedMs: Int64, downMs: Int64, now: Moment) {
        for id in activeIDs {
            _ = handle(.timeLeftOut(stoppedMs: stoppedMs, downMs: downMs, at: now.runMs), id: id, now: now)
        }
    }

    /// The agents of `model` the fleet considers stale, sorted: what a
    /// machine's `.staleAgents` event carries.
    static func staleAgents(of model: String, in fleet: Fleet) -> [String] {
        fleet.agents.values.filter { $0.stale && $0.model == model }.map(\.agentID).sorted()
    }

    /// The decision a rollout shows as its last (a rebuilt machine has none of its own).
    mutating func setLastDecision(_ decision: Decision?, id: String) {
        entries[id]?.lastDecision = decision
    }

    /// The time of the rollout's latest journaled snapshot.
    mutating func touch(_ id: String, now: Moment) {
        entries[id]?.updatedMs = now.wallMs
        entries[id]?.updatedRunMs = now.runMs
    }
}
