/// Everything one step of the coordinator changes, written in one SQLite
/// transaction. Windows are acked only after the batch that counted them has
/// committed, so "acked" always means "durably counted".
public struct JournalBatch: Sendable {
    public var rollouts: [RolloutRecord] = []
    public var events: [EventRecord] = []
    /// Counts added to each second since its last write (the journal sums them).
    public var aggregates: [AggregateRecord] = []
    public var dedupe: [DedupeRecord] = []
    /// De-duplication marks of evicted agents (or old epochs), deleted before `dedupe` is written.
    public var forgottenDedupe: [(agentID: String, agentEpoch: Int64)] = []
    public var routes: [RouteRecord] = []
    /// Windows fed to a rollout since its last snapshot.
    public var windowLog: [WindowLogRecord] = []
    /// Rollouts snapshotted in this batch: their window logs are dropped first.
    public var clearWindowLogs: Set<String> = []
    /// What the rollouts' machines handled since the last commit (RolloutInputRecord).
    public var inputs: [RolloutInputRecord] = []
    /// Values of the key/value table to set (the run clock rides on every commit).
    public var meta: [String: String] = [:]

    public init() {}

    public var isEmpty: Bool {
        rollouts.isEmpty && events.isEmpty && aggregates.isEmpty && dedupe.isEmpty && forgottenDedupe.isEmpty && routes.isEmpty
            && windowLog.isEmpty && clearWindowLogs.isEmpty && inputs.isEmpty
    }
}
