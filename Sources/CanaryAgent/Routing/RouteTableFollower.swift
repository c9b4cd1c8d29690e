/// Decides what to do with each route table an agent receives (zguide's
/// Clone pattern): apply a newer one, ignore an old or repeated one, and ask
/// for a snapshot when a sequence was skipped.
///
/// Tables are ordered by their generation (docs/route-tables.md): the
/// journal's epoch, the coordinator's incarnation (its start on that
/// journal), the sequence. A restarted coordinator speaks for its journal,
/// so its tables win even when their sequence is below what this agent
/// holds (a journal restored from a backup, or whose last commits an OS
/// crash lost): the fleet converges on the journal instead of keeping a
/// table nobody can change any more.
public struct RouteTableFollower: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// Newer than what we have: write it to the route page.
        case apply
        /// Same or older: nothing to do.
        case ignore
        /// Newer, but at least one table may have been missed in between:
        /// apply it (it is a full table) and ask for a snapshot to be sure.
        case applyAndRequestSnapshot
    }

    /// Generation of the table on the route page, if one was applied since start.
    public private(set) var epoch: UInt64?
    public private(set) var incarnation: UInt64 = 0
    public private(set) var sequence: UInt64 = 0

    public init(epoch: UInt64? = nil, incarnation: UInt64 = 0, sequence: UInt64 = 0) {
        self.epoch = epoch
        self.incarnation = incarnation
        self.sequence = sequence
    }

    /// Classifies a table and, unless ignored, records it as the current one.
    public mutating func receive(epoch newEpoch: UInt64, incarnation newIncarnation: UInt64, sequence newSequence: UInt64) -> Action {
        guard let epoch else {
            // First table since start: the page may hold any table from
            // before (kept, fail-static, until now); the coordinator's is the
            // journal's and a full table, always safe to apply.
            record(newEpoch, newIncarnation, newSequence)
            return .apply
        }
        if newEpoch != epoch || newIncarnation > incarnation {
            // A new journal restarts the numbering; a restarted coordinator
            // resumes it from its journal, which may be behind what we hold.
            record(newEpoch, newIncarnation, newSequence)
            return .applyAndRequestSnapshot
        }
        // A coordinator that has since restarted (a delayed table) or an old one.
        guard newIncarnation == incarnation, newSequence > sequence else { return .ignore }
        let gap = newSequence > sequence + 1
        sequence = newSequence
        return gap ? .applyAndRequestSnapshot : .apply
    }

    private mutating func record(_ newEpoch: UInt64, _ newIncarnation: UInt64, _ newSequence: UInt64) {
        epoch = newEpoch
        incarnation = newIncarnation
        sequence = newSequence
    }
}
