/// Decides what to do with each route table an agent receives (zguide's
/// Clone pattern): apply a newer one, ignore an old or repeated one, and ask
/// for a snapshot when a sequence was skipped.
public struct RouteTableFollower: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Newer than what we have: write it to the route page.
        case apply
        /// Same or older sequence: nothing to do.
        case ignore
        /// Newer, but at least one table was missed in between: apply it
        /// (it is a full table) and ask for a snapshot to be sure.
        case applyAndRequestSnapshot
    }

    /// Coordinator epoch and sequence of the table on the route page, if any.
    public private(set) var epoch: UInt64?
    public private(set) var sequence: UInt64 = 0

    public init(epoch: UInt64? = nil, sequence: UInt64 = 0) {
        self.epoch = epoch
        self.sequence = sequence
    }

    /// Classifies a table and, unless ignored, records it as the current one.
    public mutating func receive(epoch newEpoch: UInt64, sequence newSequence: UInt64) -> Action {
        guard let epoch else {
            // First table since start: the page may hold an older table from
            // before a restart; a full table is always safe to apply.
            self.epoch = newEpoch
            sequence = newSequence
            return .apply
        }
        if newEpoch != epoch {
            // A coordinator with a new journal restarts its numbering.
            self.epoch = newEpoch
            sequence = newSequence
            return .applyAndRequestSnapshot
        }
        guard newSequence > sequence else { return .ignore }
        let gap = newSequence > sequence + 1
        sequence = newSequence
        return gap ? .applyAndRequestSnapshot : .apply
    }
}
