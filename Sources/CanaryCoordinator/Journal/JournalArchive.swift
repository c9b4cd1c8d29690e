import CanaryAPI
import CanaryCore
import Foundation
import GRDB

/// A journal opened read-only, for tools (`canary replay --journal`): it
/// never writes, migrates or checkpoints, so it is safe beside a running
/// coordinator (SQLite's WAL lets a reader see the last commit meanwhile).
public final class JournalArchive: Sendable {
    public let path: String
    private let queue: DatabaseQueue

    /// Why a journal cannot be read.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public enum Code: String, Sendable {
            case noSuchFile = "no_such_file"
            case notAJournal = "not_a_journal"
            case newerSchema = "newer_schema"
            case unreadable
        }

        public let code: Code
        public let description: String
    }

    public init(path: String) throws(Failure) {
        self.path = path
        guard FileManager.default.fileExists(atPath: path) else {
            throw Failure(code: .noSuchFile, description: "\(path): no such file; give the coordinator's journal (its `journal:` setting)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            self.queue = queue
            try queue.read { db in try Self.checkSchema(db, path: path) }
        } catch let failure as Failure {
            throw failure
        } catch let error as DatabaseError where error.resultCode.primaryResultCode == .SQLITE_NOTADB {
            throw Failure(code: .notAJournal, description: "\(path) is not a Canary journal: not an SQLite database")
        } catch {
            throw Failure(code: .unreadable, description: "\(path): cannot read the journal: \(error)")
        }
    }

    /// A Canary journal has the migrations table with our first migration;
    /// one with migrations this build does not know was written by a newer coordinator.
    private static func checkSchema(_ db: Database, path: String) throws {
        let migrator = Journal.migrator
        guard try db.tableExists("grdb_migrations"), try migrator.appliedIdentifiers(db).contains(migrator.migrations[0]),
              try db.tableExists("rollout") else {
            throw Failure(code: .notAJournal, description: "\(path) is an SQLite database but not a Canary journal (it has no rollout table or no journal migrations)")
        }
        // GRDB's own lists leave out what this migrator does not know: read the table.
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        let unknown = applied.filter { !migrator.migrations.contains($0) }
        if !unknown.isEmpty {
            throw Failure(code: .newerSchema, description: "\(path) was written by a newer coordinator (schema \(unknown.joined(separator: ", ")), this canary \(CanaryVersion.string) knows up to \(migrator.migrations.last ?? "")); replay it with that version")
        }
    }

    /// Whether the journal keeps rollout inputs (migration v6, `rollout_input`).
    public func keepsInputs() throws(Failure) -> Bool {
        try read { db in try db.tableExists(RolloutInputRecord.databaseTableName) }
    }

    /// Every rollout, oldest first.
    public func rollouts() throws(Failure) -> [RolloutRecord] {
        try read { db in try RolloutRecord.order(Column("createdMs"), Column("id")).fetchAll(db) }
    }

    public func rollout(id: String) throws(Failure) -> RolloutRecord? {
        try read { db in try RolloutRecord.fetchOne(db, key: id) }
    }

    /// What the rollout's machine handled, in order.
    public func inputs(rolloutID: String) throws(Failure) -> [RolloutInputRecord] {
        try read { db in
            try RolloutInputRecord.filter(Column("rolloutID") == rolloutID).order(Column("id")).fetchAll(db)
        }
    }

    /// The rollout's decisions as journaled, in order.
    public func decisions(rolloutID: String) throws(Failure) -> [(record: EventRecord, event: DecisionEvent)] {
        let records = try read { db in
            try EventRecord.filter(Column("rolloutID") == rolloutID && Column("kind") == "decision").order(Column("id")).fetchAll(db)
        }
        let decoder = JSONDecoder()
        var decisions: [(record: EventRecord, event: DecisionEvent)] = []
        for record in records {
            do {
                decisions.append((record, try decoder.decode(DecisionEvent.self, from: Data(record.payloadJSON.utf8))))
            } catch {
                throw Failure(code: .unreadable, description: "\(path): decision event #\(record.id ?? 0) of rollout \(rolloutID) does not decode: \(error)")
            }
        }
        return decisions
    }

    private func read<T>(_ body: (Database) throws -> T) throws(Failure) -> T {
        do {
            return try queue.read(body)
        } catch {
            throw Failure(code: .unreadable, description: "\(path): cannot read the journal: \(error)")
        }
    }
}
