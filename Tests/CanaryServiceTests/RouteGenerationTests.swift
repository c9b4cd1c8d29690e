import CanaryAPI
import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import GRDB
import Testing

/// The generation route tables carry (docs/route-tables.md): what agents
/// apply, what the coordinator publishes and when, and how both survive a
/// restart — including on a journal that is behind what the fleet was sent.
@Suite("Route table generation")
struct RouteGenerationTests {
    // MARK: - The agent's rule

    @Test("same epoch and incarnation: a higher sequence applies (a gap asks for a snapshot), the same or a lower one is ignored")
    func sequenceRule() {
        var follower = RouteTableFollower()
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 4) == .apply)
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 5) == .apply)
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 5) == .ignore)
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 3) == .ignore)
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 9) == .applyAndRequestSnapshot)
        #expect(follower.sequence == 9)
    }

    @Test("the first table after the agent starts applies, whatever the page held before")
    func firstTable() {
        // The page of a restarted agent may hold #40 of an earlier start:
        // the follower starts empty, so the coordinator's #2 is taken.
        var follower = RouteTableFollower()
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 2) == .apply)
        #expect(follower.epoch == 7 && follower.incarnation == 100 && follower.sequence == 2)
    }

    @Test("another epoch (the journal recreated) applies whatever its sequence, and asks for a snapshot")
    func newEpoch() {
        var follower = RouteTableFollower(epoch: 7, incarnation: 100, sequence: 57)
        #expect(follower.receive(epoch: 8, incarnation: 50, sequence: 1) == .applyAndRequestSnapshot)
        #expect(follower.epoch == 8 && follower.sequence == 1)
        #expect(follower.receive(epoch: 8, incarnation: 50, sequence: 2) == .apply)
    }

    @Test("same epoch: a higher incarnation (a restarted coordinator) applies below what the agent holds; a lower one is ignored")
    func incarnationRule() {
        var follower = RouteTableFollower(epoch: 7, incarnation: 100, sequence: 57)
        #expect(follower.receive(epoch: 7, incarnation: 200, sequence: 41) == .applyAndRequestSnapshot)
        #expect(follower.incarnation == 200 && follower.sequence == 41)
        // A delayed table of the start before, however high its sequence.
        #expect(follower.receive(epoch: 7, incarnation: 100, sequence: 58) == .ignore)
        #expect(follower.receive(epoch: 7, incarnation: 200, sequence: 42) == .apply)
        #expect(follower.sequence == 42)
    }

    // MARK: - The coordinator

    @Test("a table is published only once journaled; after a crash its model's sequence resumes above every table published")
    func publishedOnlyWhenJournaled() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let start: Int64 = 1_800_000_000_000
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: first, model: "generation", now: ClockReading(ms: start))
        let (view, out) = try await first.start(planSource: fastPlan(model: "generation", bake: "1h"), now: ClockReading(ms: start))
        var sent = Self.tables(out)
        #expect(sent.map(\.sequence) == [1])

        // The journal refuses every commit that writes a route table: the
        // pause is decided in memory, answered with an error, and its table
        // must reach no agent — neither republished nor answered to a hello.
        let fault = try RouteWriteFault(path: path)
        await #expect(throws: CoordinatorError.self) {
            _ = try await first.command(.pause, rolloutID: view.id, now: ClockReading(ms: start + 100))
        }
        for second in 1...3 {
            let now = start + Int64(second) * 1_000
            sent += Self.tables(await first.tick(now: ClockReading(ms: now)))
            sent += Self.tables(await first.receive(routingID: [9], frames: Self.hello(model: "generation"), now: ClockReading(ms: now + 10)))
        }
        #expect(sent.count >= 4, "the journaled table is still republished and answered: \(sent.map(\.sequence))")
        #expect(sent.allSatisfy { $0.sequence == 1 && $0.phase == .progressing }, "\(sent.map { "#\($0.sequence) \($0.phase)" })")

        // A crash; the disk has room again; the same journal.
        try fault.clear()
        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start + 10_000))
        #expect(second.epoch == first.epoch)
        #expect(second.incarnation > first.incarnation)
        let republished = Self.tables(await second.tick(now: ClockReading(ms: start + 10_000)))
        #expect(republished.map(\.sequence) == [1])
        #expect(republished.first?.incarnation == second.incarnation)
        let (_, paused) = try await second.command(.pause, rolloutID: view.id, now: ClockReading(ms: start + 10_100))
        let next = try #require(Self.tables(paused).first)
        #expect(next.phase == .paused)
        #expect(next.sequence > sent.map(\.sequence).max() ?? 0, "#\(next.sequence) after \(sent.map(\.sequence))")
        #expect(try Journal(path: path).routes().map(\.sequence) == [Int64(next.sequence)])
    }

    @Test("a journaled table whose body is unreadable still numbered its model: the next table goes above it")
    func unreadableTableKeepsItsNumber() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let start: Int64 = 1_800_000_000_000
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: first, model: "generation", now: ClockReading(ms: start))
        let (view, _) = try await first.start(planSource: fastPlan(model: "generation", bake: "1h"), now: ClockReading(ms: start))
        _ = try await first.command(.pause, rolloutID: view.id, now: ClockReading(ms: start + 100))
        _ = try await first.command(.resume, rolloutID: view.id, now: ClockReading(ms: start + 200))
        _ = try await first.command(.pause, rolloutID: view.id, now: ClockReading(ms: start + 300))
        #expect(try Journal(path: path).routes().map(\.sequence) == [4])
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: "UPDATE route SET tableJSON = '{\"model\": 12'") }

        let second = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start + 10_000))
        let (_, resumed) = try await second.command(.resume, rolloutID: view.id, now: ClockReading(ms: start + 10_100))
        #expect(Self.tables(resumed).map(\.sequence) == [5])
    }

    @Test("a coordinator on a journal behind its fleet (a backup, or commits an OS crash lost) is followed all the same")
    func journalBehindTheFleet() async throws {
        let dir = Unique.directory()
        let path = dir + "/journal.sqlite", backup = dir + "/backup.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let start: Int64 = 1_800_000_000_000
        var follower = RouteTableFollower()
        func follow(_ out: [Outbound]) -> [RouteTableFollower.Action] {
            Self.tables(out).map { follower.receive(epoch: $0.epoch, incarnation: $0.incarnation, sequence: $0.sequence) }
        }
        let first = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: start))
        await sayHello(to: first, model: "generation", now: ClockReading(ms: start))
        let (view, started) = try await first.start(planSource: fastPlan(model: "generation", bake: "1h"), now: ClockReading(ms: start))
        #expect(follow(started) == [.apply])
        try await DatabaseQueue(path: path).writeWithoutTransaction { db in try db.execute(sql: "VACUUM INTO ?", arguments: [backup]) }
        // After the backup the fleet goes on to #3, which the backup lacks.
        #expect(follow(try await first.command(.pause, rolloutID: view.id, now: ClockReading(ms: start + 100)).1) == [.apply])
        #expect(follow(try await first.command(.resume, rolloutID: view.id, now: ClockReading(ms: start + 200)).1) == [.apply])
        #expect(follower.sequence == 3)

        config.journalPath = backup
        let restored = try CoordinatorEngine(config: config, journal: try Journal(path: backup), logger: testLogger, now: ClockReading(ms: start + 5_000))
        #expect(restored.epoch == first.epoch)
        #expect(restored.incarnation > first.incarnation)
        let republished = await restored.tick(now: ClockReading(ms: start + 5_000))
        #expect(Self.tables(republished).map(\.sequence) == [1])
        #expect(follow(republished) == [.applyAndRequestSnapshot], "the agent holding #3 takes the journal's #1")
        #expect(follower.sequence == 1)
        // And follows what it decides next.
        #expect(follow(try await restored.command(.pause, rolloutID: view.id, now: ClockReading(ms: start + 5_100)).1) == [.apply])
        #expect(follower.sequence == 2)
    }

    @Test("every start on a journal gets a larger incarnation, at least its start time")
    func incarnations() throws {
        let journal = try Journal(path: Unique.directory() + "/journal.sqlite")
        let a = try journal.startIncarnation(nowMs: 1_800_000_000_000)
        #expect(a == 1_800_000_000_000)
        // A clock set back does not go below the start before.
        let b = try journal.startIncarnation(nowMs: 1_700_000_000_000)
        #expect(b == a + 1)
        let c = try journal.startIncarnation(nowMs: 1_900_000_000_000)
        #expect(c == 1_900_000_000_000)
    }

    // MARK: - Support

    static func tables(_ out: [Outbound]) -> [Canary_V1_RouteTable] {
        out.compactMap { message in
            switch message {
            case .publish(.routeTable(let table)), .reply(_, .routeTable(let table)): table
            default: nil
            }
        }
    }

    static func hello(model: String) -> [[UInt8]] {
        var hello = Canary_V1_Hello()
        hello.agentID = "follower"
        hello.agentEpoch = 1
        hello.model = model
        hello.version = "v1"
        return WireMessage.hello(hello).encode()
    }
}

/// A real SQLite failure of the journal's commits, as a full disk would
/// make them: triggers that abort every write to the `route` table, so the
/// whole transaction of a step that changes a table fails. Added and
/// removed from another connection while the coordinator runs.
struct RouteWriteFault {
    let path: String

    init(path: String) throws {
        self.path = path
        try Self.queue(path).write { db in
            for event in ["INSERT", "UPDATE"] {
                try db.execute(sql: """
                    CREATE TRIGGER route_write_fault_\(event.lowercased()) BEFORE \(event) ON route
                    BEGIN SELECT RAISE(ABORT, 'database or disk is full (test fault)'); END
                    """)
            }
        }
    }

    func clear() throws {
        try Self.queue(path).write { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS route_write_fault_insert")
            try db.execute(sql: "DROP TRIGGER IF EXISTS route_write_fault_update")
        }
    }

    private static func queue(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: path, configuration: configuration)
    }
}
