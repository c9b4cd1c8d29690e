import CanaryAPI
import Foundation
import GRDB

/// The coordinator's durable memory: SQLite in WAL mode through GRDB.
///
/// Holds the rollouts with their state-machine snapshots, every event and
/// decision with its evidence, per-second per-version aggregates, the window
/// de-duplication marks and the last route table per model. Writes go
/// through ``commit(_:)`` in one transaction per coordinator step.
public final class Journal: Sendable {
    public let path: String
    /// Internal for the async reads (JournalReads.swift) and the migrations.
    let pool: DatabasePool

    /// Opens (creating if needed) the journal at `path` and migrates it.
    public init(path: String) throws(JournalError) {
        self.path = path
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            // WAL with synchronous=NORMAL: a commit is durable against a
            // crash of this process (what acks promise) without an fsync per
            // transaction; only an OS crash could lose the last commits.
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw JournalError(path: path, operation: "open", underlying: error)
        }
        do {
            try Self.migrator.migrate(pool)
        } catch {
            throw JournalError(path: path, operation: "migrate", underlying: error)
        }
    }

    /// Internal for ``JournalArchive``, which checks a journal's schema against it.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "rollout") { t in
                t.primaryKey("id", .text)
                t.column("model", .text).notNull()
                t.column("baseline", .text).notNull()
                t.column("canary", .text).notNull()
                t.column("planSource", .text).notNull()
                t.column("stateJSON", .text).notNull()
                t.column("phase", .text).notNull()
                t.column("active", .boolean).notNull()
                t.column("createdMs", .integer).notNull()
                t.column("updatedMs", .integer).notNull()
            }
            try db.create(index: "rollout_active", on: "rollout", columns: ["active", "model"])
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("rolloutID", .text)
                t.column("tMs", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("action", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("payloadJSON", .text).notNull()
            }
            try db.create(index: "event_rollout", on: "event", columns: ["rolloutID", "id"])
            try db.create(table: "aggregate") { t in
                t.column("model", .text).notNull()
                t.column("version", .text).notNull()
                t.column("second", .integer).notNull()
                t.column("requests", .integer).notNull()
                t.column("errors", .integer).notNull()
                t.column("p50Us", .double).notNull()
                t.column("p95Us", .double).notNull()
                t.column("p99Us", .double).notNull()
                t.column("labeled", .integer).notNull()
                t.column("correct", .integer).notNull()
                t.column("ringLost", .integer).notNull()
                t.primaryKey(["model", "version", "second"])
            }
            try db.create(table: "dedupe") { t in
                t.column("agentID", .text).notNull()
                t.column("agentEpoch", .integer).notNull()
                t.column("contiguous", .integer).notNull()
                t.column("aboveJSON", .text).notNull()
                t.column("updatedMs", .integer).notNull()
                t.primaryKey(["agentID", "agentEpoch"])
            }
            try db.create(table: "route") { t in
                t.primaryKey("model", .text)
                t.column("sequence", .integer).notNull()
                t.column("tableJSON", .text).notNull()
                t.column("updatedMs", .integer).notNull()
            }
        }
        migrator.registerMigration("v2: window log") { db in
            try db.create(table: "window_log") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("rolloutID", .text).notNull()
                t.column("receivedMs", .integer).notNull()
                t.column("body", .blob).notNull()
            }
            try db.create(index: "window_log_rollout", on: "window_log", columns: ["rolloutID", "id"])
        }
        migrator.registerMigration("v3: rollout view") { db in try Self.addViewColumn(db) }
        // Outcomes no prediction matched (late labels, agent config `labels`);
        // seconds journaled before count none.
        migrator.registerMigration("v4: unmatched outcomes") { db in
            try db.alter(table: "aggregate") { t in t.add(column: "unmatched", .integer).notNull().defaults(to: 0) }
        }
        // An epoch's goodbye rides on its marks: a restart still refuses what it sends after it.
        migrator.registerMigration("v5: departed epochs") { db in
            try db.alter(table: "dedupe") { t in t.add(column: "departedThrough", .integer) }
        }
        // Everything each rollout's machine handled, kept for good (the window
        // log is cleared at every snapshot), and each decision's run-clock
        // time: what `canary replay --journal` feeds through another plan.
        migrator.registerMigration("v6: rollout inputs") { db in
            try db.create(table: "rollout_input") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("rolloutID", .text).notNull()
                t.column("runMs", .integer).notNull()
                t.column("wallMs", .integer).notNull()
                t.column("kind", .text).notNull()
                t.column("body", .blob).notNull()
            }
            try db.create(index: "rollout_input_rollout", on: "rollout_input", columns: ["rolloutID", "id"])
            try db.alter(table: "event") { t in t.add(column: "runMs", .integer) }
        }
        return migrator
    }

    /// Writes a whole coordinator step atomically.
    public func commit(_ batch: JournalBatch) throws(JournalError) {
        guard !batch.isEmpty else { return }
        do {
            try pool.write { db in
                for rollout in batch.rollouts { try rollout.save(db) }
                for event in batch.events { try event.insert(db) }
                // Counts are increments (each window counted once); the
                // quantiles are the latest merged estimate of that second.
                for aggregate in batch.aggregates {
                    try db.execute(
                        sql: """
                            INSERT INTO aggregate (model, version, second, requests, errors, p50Us, p95Us, p99Us, labeled, correct, unmatched, ringLost)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT(model, version, second) DO UPDATE SET
                              requests = requests + excluded.requests,
                              errors = errors + excluded.errors,
                              p50Us = excluded.p50Us, p95Us = excluded.p95Us, p99Us = excluded.p99Us,
                              labeled = labeled + excluded.labeled,
                              correct = correct + excluded.correct,
                              unmatched = unmatched + excluded.unmatched,
                              ringLost = ringLost + excluded.ringLost
                            """,
                        arguments: [aggregate.model, aggregate.version, aggregate.second, aggregate.requests,
                                    aggregate.errors, aggregate.p50Us, aggregate.p95Us, aggregate.p99Us,
                                    aggregate.labeled, aggregate.correct, aggregate.unmatched, aggregate.ringLost])
                }
                for id in batch.clearWindowLogs {
                    try db.execute(sql: "DELETE FROM window_log WHERE rolloutID = ?", arguments: [id])
                }
                for record in batch.windowLog { try record.insert(db) }
                for record in batch.inputs { try record.insert(db) }
                for mark in batch.forgottenDedupe {
                    try db.execute(sql: "DELETE FROM dedupe WHERE agentID = ? AND agentEpoch = ?", arguments: [mark.agentID, mark.agentEpoch])
                }
                for mark in batch.dedupe { try mark.save(db) }
                for route in batch.routes { try route.save(db) }
                for (key, value) in batch.meta {
                    try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   arguments: [key, value])
                }
            }
        } catch {
            throw JournalError(path: path, operation: "commit", underlying: error)
        }
    }

    public func rollouts(activeOnly: Bool = false) throws(JournalError) -> [RolloutRecord] {
        try read("read rollouts") { db in
            var request = RolloutRecord.order(Column("createdMs").desc)
            if activeOnly { request = request.filter(Column("active") == true) }
            return try request.fetchAll(db)
        }
    }

    public func rollout(id: String) throws(JournalError) -> RolloutRecord? {
        try read("read rollout \(id)") { db in try RolloutRecord.fetchOne(db, key: id) }
    }

    /// Events of one rollout (or of all when `rolloutID` is nil), newest last.
    public func events(rolloutID: String?, afterID: Int64 = 0, limit: Int = 500) throws(JournalError) -> [EventRecord] {
        try read("read events") { db in try Self.events(db, rolloutID: rolloutID, afterID: afterID, limit: limit) }
    }

    public func aggregates(model: String, sinceSecond: Int64) throws(JournalError) -> [AggregateRecord] {
        try read("read aggregates") { db in try Self.aggregates(db, model: model, sinceSecond: sinceSecond) }
    }

    /// Everything counted for a model, per version (by name): its per-second
    /// buckets summed, all rollouts, all time.
    public func totals(model: String) throws(JournalError) -> [ModelTotals.Version] {
        try read("read totals of \(model)") { db in
            try Row.fetchAll(db, sql: """
                SELECT version, SUM(requests), SUM(errors), SUM(labeled), SUM(correct), SUM(unmatched)
                FROM aggregate WHERE model = ? GROUP BY version ORDER BY version
                """, arguments: [model]).map { row in
                ModelTotals.Version(version: row[0], requests: row[1], errors: row[2], labeled: row[3], correct: row[4],
                                    unmatched: row[5])
            }
        }
    }

    /// Windows fed to a rollout since its last snapshot, oldest first.
    public func windowLog(rolloutID: String) throws(JournalError) -> [WindowLogRecord] {
        try read("read window log of \(rolloutID)") { db in
            try WindowLogRecord.filter(Column("rolloutID") == rolloutID).order(Column("id")).fetchAll(db)
        }
    }

    public func dedupeMarks() throws(JournalError) -> [DedupeRecord] {
        // Newest first: a restart keeps what the fleet's limits keep.
        try read("read dedupe marks") { db in
            try DedupeRecord.fetchAll(db, sql: "SELECT * FROM dedupe ORDER BY updatedMs DESC")
        }
    }

    /// The stored view (JSON) of every rollout, newest first: the read
    /// model a restarted coordinator lists from, without decoding a machine.
    public func rolloutSummaries() throws(JournalError) -> [(id: String, viewJSON: String)] {
        try read("read rollout views") { db in
            try Row.fetchAll(db, sql: "SELECT id, viewJSON FROM rollout WHERE viewJSON IS NOT NULL ORDER BY createdMs DESC")
                .map { (id: $0["id"], viewJSON: $0["viewJSON"]) }
        }
    }

    public func routes() throws(JournalError) -> [RouteRecord] {
        try read("read routes") { db in try RouteRecord.fetchAll(db) }
    }

    /// A value of the small key/value table (e.g. the coordinator epoch).
    public func meta(_ key: String) throws(JournalError) -> String? {
        try read("read meta \(key)") { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])
        }
    }

    public func setMeta(_ key: String, _ value: String) throws(JournalError) {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [key, value])
            }
        } catch {
            throw JournalError(path: path, operation: "write meta \(key)", underlying: error)
        }
    }

    /// The journal mode SQLite reports ("wal" when healthy).
    public func journalMode() throws(JournalError) -> String {
        try read("read journal mode", Self.journalMode)
    }

    private func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(JournalError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw JournalError(path: path, operation: operation, underlying: error)
        }
    }
}
