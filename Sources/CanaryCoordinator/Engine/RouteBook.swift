import CanaryCore
import CanaryWire

/// The current route table of every model the coordinator steers, with the
/// strictly increasing sequence the Clone pattern needs. Survives restarts
/// through the journal's `route` table, so a restarted coordinator goes on
/// counting instead of publishing "sequence 1" to agents that have 57.
public struct RouteBook: Sendable {
    public let epoch: UInt64
    public private(set) var tables: [String: Canary_V1_RouteTable] = [:]

    public init(epoch: UInt64) {
        self.epoch = epoch
    }

    /// Restores a table from the journal.
    public mutating func restore(_ table: Canary_V1_RouteTable) {
        var table = table
        table.epoch = epoch
        tables[table.model] = table
    }

    /// Sets the split of `model`; returns the new table when anything
    /// changed (weights, phase or rollout), nil when it is the same.
    public mutating func update(model: String, rolloutID: String, phase: RolloutPhase, canary: String,
                                weightsPPM: [String: UInt32], nowMs: Int64) -> Canary_V1_RouteTable? {
        // Route order: canary first, so it owns [0, w) and grows sticky.
        let ordered = weightsPPM.keys.sorted { lhs, rhs in
            if lhs == canary { return true }
            if rhs == canary { return false }
            return lhs < rhs
        }
        let weights = ordered.map { version in
            var entry = Canary_V1_RouteWeight()
            entry.version = version
            entry.weightPpm = weightsPPM[version] ?? 0
            return entry
        }
        let wirePhase = Self.wirePhase(phase)
        if let current = tables[model], current.weights == weights, current.phase == wirePhase, current.rolloutID == rolloutID {
            return nil
        }
        var table = Canary_V1_RouteTable()
        table.model = model
        table.epoch = epoch
        table.sequence = (tables[model]?.sequence ?? 0) + 1
        table.phase = wirePhase
        table.rolloutID = rolloutID
        table.weights = weights
        table.publishedMs = nowMs
        tables[model] = table
        return table
    }

    public static func wirePhase(_ phase: RolloutPhase) -> Canary_V1_RolloutPhase {
        switch phase {
        case .pending: .pending
        case .progressing: .progressing
        case .paused: .paused
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        case .aborted: .aborted
        }
    }
}
