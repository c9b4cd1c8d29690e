import CanaryCore

/// The current route table of every model the coordinator steers, with the
/// strictly increasing sequence the Clone pattern needs. Survives restarts
/// through the journal's `route` table, so a restarted coordinator goes on
/// counting instead of publishing "sequence 1" to agents that have 57.
public struct RouteBook: Sendable {
    public let epoch: UInt64
    public private(set) var tables: [String: RouteSplit] = [:]
    /// Tables changed by decisions since the last `takeChanged()`: journaled
    /// with the step, published once it committed.
    private var changed: [RouteSplit] = []

    public init(epoch: UInt64) {
        self.epoch = epoch
    }

    /// Restores a table from the journal (under this coordinator's epoch).
    public mutating func restore(_ table: RouteSplit) {
        var table = table
        table.epoch = epoch
        tables[table.model] = table
    }

    /// Sets the split of `model`; returns the new table when anything
    /// changed (weights, phase or rollout), nil when it is the same.
    public mutating func update(model: String, rolloutID: String, phase: RolloutPhase, canary: String,
                                weightsPPM: [String: UInt32], nowMs: Int64) -> RouteSplit? {
        // Route order: canary first, so it owns [0, w) and grows sticky.
        let ordered = weightsPPM.keys.sorted { lhs, rhs in
            if lhs == canary { return true }
            if rhs == canary { return false }
            return lhs < rhs
        }
        let weights = ordered.map { RouteSplit.Weight(version: $0, weightPPM: weightsPPM[$0] ?? 0) }
        if let current = tables[model], current.weights == weights, current.phase == phase, current.rolloutID == rolloutID {
            return nil
        }
        let table = RouteSplit(model: model, epoch: epoch, sequence: (tables[model]?.sequence ?? 0) + 1, phase: phase,
                               rolloutID: rolloutID, weights: weights, publishedMs: nowMs)
        tables[model] = table
        return table
    }

    /// The tables decisions changed since the last call, oldest first.
    mutating func takeChanged() -> [RouteSplit] {
        defer { changed.removeAll() }
        return changed
    }
}

extension RouteBook: DecisionSink {
    /// The decision's weights become the model's table.
    mutating func take(_ decided: Decided) {
        let decision = decided.event.decision
        if let table = update(model: decided.event.model, rolloutID: decided.event.rolloutID, phase: decision.phase,
                              canary: decided.canary, weightsPPM: decision.weightsPPM, nowMs: decided.nowMs) {
            changed.append(table)
        }
    }
}
