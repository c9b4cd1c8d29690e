import GRDB

/// The journal reads of the HTTP paths (events, history, health), through
/// GRDB's async API: they run on GRDB's reader queues, so a slow read never
/// holds a thread of Swift's cooperative pool, and never the engine actor.
/// The synchronous forms in Journal.swift share the queries below.
extension Journal {
    /// Events of one rollout (or of all when `rolloutID` is nil), newest last.
    public func readEvents(rolloutID: String?, afterID: Int64 = 0, limit: Int = 500) async throws(JournalError) -> [EventRecord] {
        try await readAsync("read events") { db in try Self.events(db, rolloutID: rolloutID, afterID: afterID, limit: limit) }
    }

    public func readAggregates(model: String, sinceSecond: Int64) async throws(JournalError) -> [AggregateRecord] {
        try await readAsync("read aggregates") { db in try Self.aggregates(db, model: model, sinceSecond: sinceSecond) }
    }

    public func readRollout(id: String) async throws(JournalError) -> RolloutRecord? {
        try await readAsync("read rollout \(id)") { db in try RolloutRecord.fetchOne(db, key: id) }
    }

    /// The journal mode SQLite reports ("wal" when healthy).
    public func readJournalMode() async throws(JournalError) -> String {
        try await readAsync("read journal mode", Self.journalMode)
    }

    static func events(_ db: Database, rolloutID: String?, afterID: Int64, limit: Int) throws -> [EventRecord] {
        var request = EventRecord.filter(Column("id") > afterID)
        if let rolloutID { request = request.filter(Column("rolloutID") == rolloutID) }
        return try request.order(Column("id").desc).limit(limit).fetchAll(db).reversed()
    }

    static func aggregates(_ db: Database, model: String, sinceSecond: Int64) throws -> [AggregateRecord] {
        try AggregateRecord
            .filter(Column("model") == model && Column("second") >= sinceSecond)
            .order(Column("second"))
            .fetchAll(db)
    }

    @Sendable static func journalMode(_ db: Database) throws -> String {
        try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
    }

    private func readAsync<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws(JournalError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw JournalError(path: path, operation: operation, underlying: error)
        }
    }
}
