import CanaryCore

/// The route table of every model the coordinator steers, under the
/// generation agents order them by (docs/route-tables.md): the journal's
/// epoch, this coordinator start's incarnation, and a per-model sequence
/// that only grows, across restarts too (journaled with each table).
///
/// Two views of each model: the table last *decided* (what the next
/// decision is compared with, and where the next sequence comes from) and
/// the table the journal *committed* — the only one ever sent to agents
/// (published, republished, answered to a snapshot request). A table that
/// is decided but not yet durable (its commit failed, or is still to come)
/// is never seen by an agent, so a crash cannot leave the fleet on a table
/// the journal does not have.
public struct RouteBook: Sendable {
    public let epoch: UInt64
    /// This start of the coordinator (Journal.startIncarnation).
    public let incarnation: UInt64
    /// The committed table of each model: what agents are sent.
    public private(set) var tables: [String: RouteSplit] = [:]
    /// The newest table decided per model, committed or not.
    private var decided: [String: RouteSplit] = [:]
    /// The highest sequence given out per model, the journal's or decided
    /// since: the next table is one above, so a sequence is never reused.
    private var highest: [String: UInt64] = [:]
    /// Tables changed by decisions since the last `takeChanged()`: journaled
    /// with the step, published once it committed.
    private var changed: [RouteSplit] = []

    /// The highest sequence a restored table may bring: a corrupt journal
    /// value cannot bring the numbering near where the journal's Int64
    /// column (or `+ 1`) would overflow; 2^62 tables are never reached.
    static let maxRestoredSequence: UInt64 = 1 << 62

    public init(epoch: UInt64, incarnation: UInt64) {
        self.epoch = epoch
        self.incarnation = incarnation
    }

    /// Restores a committed table from the journal, to be sent under this
    /// coordinator's epoch and incarnation: agents then take it even when
    /// they hold a higher sequence the journal no longer has.
    public mutating func restore(_ table: RouteSplit) {
        var table = table
        table.epoch = epoch
        table.incarnation = incarnation
        table.sequence = min(table.sequence, Self.maxRestoredSequence)
        tables[table.model] = table
        decided[table.model] = table
        reserve(model: table.model, through: table.sequence)
    }

    /// Keeps `model`'s next sequence above `sequence`: a journaled table
    /// whose body is unreadable still used its number.
    public mutating func reserve(model: String, through sequence: UInt64) {
        highest[model] = max(highest[model] ?? 0, min(sequence, Self.maxRestoredSequence))
    }

    /// Sets the split of `model`; returns the new table when anything
    /// changed (weights, phase or rollout), nil when it is the same.
    /// `weightsPPM` is keyed by route label: the versions, and a control's
    /// label (`control`), whose entry runs the baseline version.
    public mutating func update(model: String, rolloutID: String, phase: RolloutPhase, canary: String, control: ControlPool? = nil,
                                weightsPPM: [String: UInt32], nowMs: Int64) -> RouteSplit? {
        let weights = Self.routeOrder(weightsPPM, canary: canary, control: control)
        if let current = decided[model], current.weights == weights, current.phase == phase, current.rolloutID == rolloutID {
            return nil
        }
        let table = RouteSplit(model: model, epoch: epoch, incarnation: incarnation, sequence: nextSequence(model),
                               phase: phase, rolloutID: rolloutID, weights: weights, publishedMs: nowMs)
        decided[model] = table
        return table
    }

    /// The journal committed these tables: from now on agents are sent them.
    mutating func committed(_ committed: [RouteSplit]) {
        for table in committed where table.sequence > tables[table.model]?.sequence ?? 0 {
            tables[table.model] = table
        }
    }

    /// The tables decisions changed since the last call, oldest first.
    mutating func takeChanged() -> [RouteSplit] {
        defer { changed.removeAll() }
        return changed
    }

    private mutating func nextSequence(_ model: String) -> UInt64 {
        let next = (highest[model] ?? 0) + 1
        highest[model] = next
        return next
    }
}

extension RouteBook: DecisionSink {
    /// The decision's weights become the model's table.
    mutating func take(_ decided: Decided) {
        let decision = decided.event.decision
        if let table = update(model: decided.event.model, rolloutID: decided.event.rolloutID, phase: decision.phase,
                              canary: decided.canary, control: decided.control, weightsPPM: decision.weightsPPM,
                              nowMs: decided.nowMs) {
            changed.append(table)
        }
    }
}
