import GRDB

extension Journal {
    /// Numbers this start of the coordinator on this journal: above the
    /// last start recorded here, and at least `nowMs`, so a journal restored
    /// from a backup (or whose last commits an OS crash lost, see
    /// `synchronous = NORMAL` in `init`) still starts above every earlier
    /// run. Written with `synchronous = FULL` (the WAL fsynced) before it is
    /// returned: no table carries an incarnation the journal could forget.
    public func startIncarnation(nowMs: Int64) throws(JournalError) -> UInt64 {
        do {
            return try pool.writeWithoutTransaction { db in
                let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'incarnation'").flatMap { UInt64($0) } ?? 0
                let incarnation = max(stored == .max ? stored : stored + 1, UInt64(clamping: nowMs))
                try db.execute(sql: "PRAGMA synchronous = FULL")
                defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('incarnation', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [String(incarnation)])
                return incarnation
            }
        } catch {
            throw JournalError(path: path, operation: "record the coordinator's start (meta incarnation)", underlying: error)
        }
    }
}
