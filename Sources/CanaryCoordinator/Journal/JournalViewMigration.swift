import CanaryAPI
import CanaryCore
import Foundation
import GRDB

extension Journal {
    /// Migration v3: the `viewJSON` column the read model lists rollouts
    /// from. Rows written before it get their view computed once, here,
    /// from their state snapshot (the only time a listing decodes a machine),
    /// so journals of earlier versions still open and list every rollout.
    static func addViewColumn(_ db: Database) throws {
        try db.alter(table: "rollout") { t in t.add(column: "viewJSON", .text) }
        let decoder = JSONDecoder()
        for row in try Row.fetchAll(db, sql: "SELECT id, planSource, stateJSON, createdMs, updatedMs FROM rollout") {
            let stateJSON: String = row["stateJSON"]
            // An unreadable snapshot keeps a NULL view: it is not listed,
            // as before (the engine logs it when it tries to resume it).
            guard let machine = try? decoder.decode(RolloutMachine.self, from: Data(stateJSON.utf8)) else { continue }
            // Journals this old kept every time on the wall clock: their run clock is it.
            let updatedMs: Int64 = row["updatedMs"]
            let entry = RolloutEntry(id: row["id"], planSource: row["planSource"], createdMs: row["createdMs"],
                                     updatedMs: updatedMs, updatedRunMs: updatedMs, machine: machine, lastDecision: nil)
            try db.execute(sql: "UPDATE rollout SET viewJSON = ? WHERE id = ?",
                           arguments: [CoordinatorEngine.json(RolloutView(entry: entry)), entry.id])
        }
    }
}
