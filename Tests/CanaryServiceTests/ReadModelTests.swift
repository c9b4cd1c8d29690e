import CanaryAPI
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import Foundation
import GRDB
import Testing

/// The read model: what `GET /api/v1/rollouts`, `/healthz` and `/metrics`
/// list, kept from committed snapshots and restored from the journal's
/// stored views, so listing finished rollouts never decodes a machine.
@Suite("Read model")
struct ReadModelTests {
    static let start: Int64 = 1_800_000_000_000

    static func config(_ path: String) -> CoordinatorConfig {
        var config = CoordinatorConfig()
        config.journalPath = path
        return config
    }

    /// Three rollouts of three models: one aborted, one promoted, one left running.
    static func history(path: String) async throws -> (aborted: String, promoted: String, running: String) {
        let engine = try CoordinatorEngine(config: config(path), journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: engine, model: "read-a", now: ClockReading(ms: start))
        let (aborted, _) = try await engine.start(planSource: fastPlan(model: "read-a", bake: "1h"), now: ClockReading(ms: start))
        _ = try await engine.command(.abort, rolloutID: aborted.id, now: ClockReading(ms: start + 10))
        await sayHello(to: engine, model: "read-b", now: ClockReading(ms: start + 20))
        let (promoted, _) = try await engine.start(planSource: fastPlan(model: "read-b", bake: "1h"), now: ClockReading(ms: start + 20))
        _ = try await engine.command(.promote, rolloutID: promoted.id, now: ClockReading(ms: start + 30))
        await sayHello(to: engine, model: "read-c", now: ClockReading(ms: start + 40))
        let (running, _) = try await engine.start(planSource: fastPlan(model: "read-c", bake: "1h"), now: ClockReading(ms: start + 40))
        return (aborted.id, promoted.id, running.id)
    }

    @Test("finished rollouts are listed after a restart, newest first, as they ended")
    func restartListing() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        let ids = try await Self.history(path: path)
        let restarted = try CoordinatorEngine(config: Self.config(path), journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: Self.start + 1_000))
        let views = await restarted.rolloutViews()
        #expect(views.map(\.id) == [ids.running, ids.promoted, ids.aborted])
        #expect(views.map(\.phase) == [.progressing, .promoted, .aborted])
        #expect(restarted.readModel.activeCount == 1)
        // The list response is the same views, spliced from their stored JSON.
        let listed = try JSONDecoder().decode([RolloutView].self, from: Data(restarted.readModel.listJSON().json.utf8))
        #expect(listed == views)
        #expect(await restarted.rolloutView(id: ids.promoted)?.phase == .promoted)
        // Only the running one is current for /metrics an hour later.
        #expect(restarted.readModel.current(sinceMs: Self.start + 3_600_000).map(\.id) == [ids.running])
        // Asking for a longer span afterwards still finds the finished ones
        // (the scrape's index of recent rollouts is rebuilt, not trusted).
        #expect(restarted.readModel.current(sinceMs: Self.start).map(\.id) == [ids.running, ids.promoted, ids.aborted])
        #expect(restarted.readModel.current(sinceMs: Self.start + 25).map(\.id) == [ids.running, ids.promoted])
        // A finished rollout still refuses commands with the machine's reason.
        await #expect(throws: CoordinatorError(.conflict, "cannot pause rollout \(ids.aborted): the rollout is already aborted")) {
            _ = try await restarted.command(.pause, rolloutID: ids.aborted, now: ClockReading(ms: Self.start + 2_000))
        }
    }

    @Test("a journal written before the read model existed is migrated and lists every rollout")
    func oldJournal() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        let ids = try await Self.history(path: path)
        // Make it a v2 journal again: no view column, its migration not applied.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "ALTER TABLE rollout DROP COLUMN viewJSON")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3: rollout view'")
        }
        try queue.close()
        let restarted = try CoordinatorEngine(config: Self.config(path), journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: Self.start + 1_000))
        let views = await restarted.rolloutViews()
        #expect(views.map(\.id) == [ids.running, ids.promoted, ids.aborted])
        #expect(views.map(\.phase) == [.progressing, .promoted, .aborted])
        #expect(try restarted.journal.rolloutSummaries().count == 3)
    }

    @Test("a restarted engine goes on with the route table sequence it journaled")
    func routeSequence() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        let first = try CoordinatorEngine(config: Self.config(path), journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: Self.start))
        await sayHello(to: first, model: "read-routes", now: ClockReading(ms: Self.start))
        let (view, published) = try await first.start(planSource: fastPlan(model: "read-routes", bake: "1h"), now: ClockReading(ms: Self.start))
        #expect(Self.sequences(published) == [1])
        let second = try CoordinatorEngine(config: Self.config(path), journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: Self.start + 1_000))
        // Republication sends the restored table as it was.
        let republished = await second.tick(now: ClockReading(ms: Self.start + 60_000))
        #expect(Self.sequences(republished) == [1])
        let (_, aborted) = try await second.command(.abort, rolloutID: view.id, now: ClockReading(ms: Self.start + 61_000))
        #expect(Self.sequences(aborted) == [2])
    }

    static func sequences(_ out: [Outbound]) -> [UInt64] {
        out.compactMap { message in
            if case .publish(.routeTable(let table)) = message { return table.sequence }
            return nil
        }
    }
}

/// `GET /api/v1/rollouts` in pages: a long history costs a page, not the
/// history, and a rollout still in progress is never pushed off page one
/// by newer finished ones.
@Suite("Rollout list pages")
struct RolloutListPageTests {
    @Test("in progress first, then finished newest first; limit, offset, X-Total-Count; bad values refused")
    func pages() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        let start = ReadModelTests.start
        let engine = try CoordinatorEngine(config: ReadModelTests.config(path), journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: engine, model: "page-run", now: ClockReading(ms: start))
        let (running, _) = try await engine.start(planSource: fastPlan(model: "page-run", bake: "1h"), now: ClockReading(ms: start))
        var finished: [String] = []
        for i in 0..<4 {
            await sayHello(to: engine, model: "page-\(i)", now: ClockReading(ms: start + 10 + Int64(i) * 10))
            let (view, _) = try await engine.start(planSource: fastPlan(model: "page-\(i)", bake: "1h"), now: ClockReading(ms: start + 10 + Int64(i) * 10))
            _ = try await engine.command(.abort, rolloutID: view.id, now: ClockReading(ms: start + 15 + Int64(i) * 10))
            finished.insert(view.id, at: 0)  // newest first
        }
        let coordinator = try await RunningCoordinator.start(journalPath: path)
        let client = CoordinatorAPIClient(baseURL: URL(string: coordinator.url)!)

        let all = try await client.rollouts()
        #expect(all.value.map(\.id) == [running.id] + finished)
        #expect(all.totalCount == 5)
        let first = try await client.rollouts(limit: 2)
        #expect(first.value.map(\.id) == [running.id, finished[0]])
        #expect(first.totalCount == 5)
        let second = try await client.rollouts(limit: 2, offset: 2)
        #expect(second.value.map(\.id) == Array(finished[1...2]))
        let past = try await client.rollouts(limit: 2, offset: 9)
        #expect(past.value.isEmpty && past.totalCount == 5)

        for query in ["limit=0", "limit=1001", "limit=ten", "offset=-1", "limit=2.5"] {
            let reply = try await client.send("GET", "/api/v1/rollouts?" + query)
            #expect(reply.status == 400, "\(query): \(reply.status)")
            let name = String(query.prefix { $0 != "=" })
            #expect(reply.text.contains("\"bad_request\"") && reply.text.contains("\(name) must be a whole number"), "\(query): \(reply.text)")
        }
        await coordinator.stop()
    }
}
