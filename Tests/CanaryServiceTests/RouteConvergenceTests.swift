import CanaryAPI
import CanaryAgent
import CanaryCoordinator
import CanaryShm
import CanaryWire
import Foundation
import GRDB
import Testing
import ZeroMQ

/// The fleet's route pages after a coordinator crash, with real processes:
/// a coordinator killed with SIGKILL while its journal refused to commit a
/// table, restarted on the same journal, then on a backup that is behind
/// the fleet; agents that kept running, and one restarted while the
/// coordinator was down.
@Suite("Route convergence after a restart", .timeLimit(.minutes(2)))
struct RouteConvergenceTests {
    @Test("after kill -9 and a restart every route page equals the journal's table, on the same journal and on a backup behind the fleet; an abort reaches every page within 1 s")
    func pagesFollowTheJournal() async throws {
        let dir = Unique.directory()
        let journalPath = "\(dir)/journal.sqlite", backupPath = "\(dir)/backup.sqlite"
        let router = "ipc://\(dir)/router", publisher = "ipc://\(dir)/publisher"
        let port = try freePort()
        func arguments(_ journal: String) -> [String] {
            ["coordinator", "--journal", journal, "--http-port", String(port), "--router", router, "--publisher", publisher]
        }
        let url = "http://127.0.0.1:\(port)"
        func healthy() async -> Bool { (try? await TestHTTP.request("GET", url + "/healthz").status) == 200 }
        var daemon = try Daemon(arguments(journalPath), logPath: "\(dir)/coordinator-1.log")
        try #require(await eventually(timeout: .seconds(10)) { await healthy() }, "coordinator did not start: \(daemon.log)")
        let endpoints = Coordinator.Endpoints(router: router, publisher: publisher, httpPort: port)
        let model = Unique.name("converge-")
        // Two agents in this process and one of its own (killed and
        // restarted below), each with its ring and route page.
        let agents = [
            try await RunningAgent.start(model: model, version: "v1", coordinator: endpoints),
            try await RunningAgent.start(model: model, version: "v1", coordinator: endpoints),
        ]
        let ring = "/" + Unique.name("ct.converge.")
        let agentID = Unique.name("converge-agent-")
        defer {
            for agent in agents { agent.unlink() }
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
            RingCheckpoint.remove(ring: ring)
        }
        try """
            agent_id: \(agentID)
            model: \(model)
            version: v2
            ring: {name: \(ring), capacity: 16384}
            # Its own page: each agent here stands for a replica on its own host.
            route_page: \(ring).route
            window: 200ms
            coordinator: {router: "\(router)", publisher: "\(publisher)"}
            log_level: notice
            """.write(toFile: "\(dir)/agent.yaml", atomically: true, encoding: .utf8)
        var agentDaemon = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent-1.log")
        let canaryRecorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v2", capacity: 16384,
                                                                  permissions: .ownerAndGroup))
        let pages = agents.map(\.agent.routePage) + [try RoutePage(name: ring + ".route", model: model, permissions: .ownerAndGroup)]
        let fleet = Set(agents.map(\.config.agentID) + [agentID])

        // Step 1 (10 %) is journaled and on every page: a backup is taken.
        // A manual gate before 100 % then holds the rollout at step 2 (50 %).
        try await waitForLiveAgents(url, model: model)
        let started = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: fastPlan(model: model) + "\npause_before: [100%]\n")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String, "\(started.text)")
        let first = try #require(try Self.journalTable(journalPath, model: model))
        #expect(await eventually(timeout: .seconds(10)) { Self.onEveryPage(first, pages) }, "pages: \(Self.pages(pages))")
        try await Self.backUp(journalPath, to: backupPath)
        let traffic = (agents.map(\.recorder) + [canaryRecorder]).enumerated().map { index, recorder in
            Task { await serveTraffic(recorder, perSecond: 400, errorRate: 0.005, seed: UInt64(20 + index)) }
        }
        var view: [String: Any] = [:]
        let gated = try await eventually(timeout: .seconds(40), every: .milliseconds(200)) {
            view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
            return view["phase"] as? String == "paused" && view["step"] as? Int == 2
        }
        for task in traffic { task.cancel() }
        try #require(gated, "rollout did not reach the gate: \(view)")
        let atGate = try #require(try Self.journalTable(journalPath, model: model))
        #expect(await eventually(timeout: .seconds(5)) { Self.onEveryPage(atGate, pages) }, "pages: \(Self.pages(pages))")

        // The journal refuses every commit that writes a route table (a full
        // disk): the promotion to 100 % is refused, and the coordinator goes
        // on republishing the journal's table — never the unjournaled one.
        let fault = try RouteWriteFault(path: journalPath)
        let promoted = try await TestHTTP.request("POST", url + "/api/v1/rollouts/\(id)/promote")
        #expect(promoted.status >= 500, "the journal refused the promotion's table: \(promoted.status) \(promoted.text)")
        let sent = try await Self.published(on: publisher, model: model, count: 2, timeout: .seconds(10))
        #expect(sent.count == 2, "the coordinator republishes at least once a second: \(sent.count) tables")
        #expect(sent.allSatisfy { $0.sequence == atGate.sequence && $0.weights == atGate.weights },
                "published while the journal refused: \(sent.map { "#\($0.sequence) \(ApplyHook.weightsText($0))" })")
        #expect(Self.onEveryPage(atGate, pages), "pages: \(Self.pages(pages))")

        // Crash. The disk has room again. The agent of its own crashes too
        // and starts again while the coordinator is down: its page keeps
        // the table (fail-static).
        await daemon.kill()
        try fault.clear()
        await agentDaemon.kill()
        agentDaemon = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent-2.log")
        let agentUp = await eventually(timeout: .seconds(10)) { agentDaemon.log.contains("route page") || !agentDaemon.isRunning }
        #expect(agentUp && agentDaemon.isRunning, "the agent did not restart: \(agentDaemon.log)")
        #expect(Self.onEveryPage(atGate, pages), "pages while the coordinator is down: \(Self.pages(pages))")

        // Restarted on the same journal: the pages are the journal's, the
        // rollout where it was, and an abort reaches every page.
        daemon = try Daemon(arguments(journalPath), logPath: "\(dir)/coordinator-2.log")
        let journaled = try await restarted("same journal", journalPath)
        #expect(journaled.sequence == atGate.sequence)
        view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
        #expect(view["phase"] as? String == "paused" && view["step"] as? Int == 2, "\(view)")
        let aborted = try await abort("same journal")
        #expect(aborted.sequence > atGate.sequence)

        // Crash again; restarted on the backup taken at step 1, behind what
        // every page holds (#\(aborted.sequence), aborted): the pages take
        // the backup's table, and the rollout it resumed can be aborted.
        await daemon.kill()
        daemon = try Daemon(arguments(backupPath), logPath: "\(dir)/coordinator-3.log")
        let restored = try await restarted("backup", backupPath)
        #expect(restored.sequence == first.sequence && restored.sequence < aborted.sequence)
        _ = try await abort("backup")

        for agent in agents { await agent.stop() }
        await agentDaemon.terminate()
        await daemon.terminate()

        /// Waits for the restarted coordinator and its fleet (every agent
        /// said hello to it), then for every page to hold the journal's table.
        func restarted(_ what: String, _ journal: String) async throws -> Canary_V1_RouteTable {
            let clock = ContinuousClock()
            let began = clock.now
            try #require(await eventually(timeout: .seconds(10), every: .milliseconds(20)) { await healthy() },
                         "coordinator did not restart: \(daemon.log)")
            let up = clock.now
            let reconnected = try await eventually(timeout: .seconds(10), every: .milliseconds(20)) {
                let listed = try await CoordinatorAPIClient(baseURL: URL(string: url)!).agents().value.map(\.agentID)
                return fleet.isSubset(of: listed)
            }
            #expect(reconnected, "not every agent said hello to the restarted coordinator (\(what))")
            let connected = clock.now
            let table = try #require(try Self.journalTable(journal, model: model))
            let converged = await eventually(timeout: .seconds(3), every: .milliseconds(10)) { Self.onEveryPage(table, pages) }
            let convergedAt = clock.now
            print("route convergence (\(what)): coordinator up \(Self.milliseconds(began.duration(to: up))) ms after start, fleet reconnected \(Self.milliseconds(up.duration(to: connected))) ms later, \(pages.count) pages on the journal's #\(table.sequence) \(Self.milliseconds(connected.duration(to: convergedAt))) ms after that")
            #expect(converged, "\(what): journal #\(table.sequence) \(ApplyHook.weightsText(table)); pages: \(Self.pages(pages))\n\(daemon.log)")
            return table
        }

        /// Aborts the rollout and checks that every page shows 0 % canary
        /// within 1 s, and then the journal's aborted table.
        func abort(_ what: String) async throws -> Canary_V1_RouteTable {
            let clock = ContinuousClock()
            let asked = clock.now
            let reply = try await TestHTTP.request("POST", url + "/api/v1/rollouts/\(id)/abort")
            let answered = clock.now
            #expect(reply.status == 200, "\(reply.text)")
            let reached = await eventually(timeout: .seconds(5), every: .milliseconds(5)) {
                pages.allSatisfy { page in
                    guard let table = try? page.read(), !table.entries.isEmpty else { return false }
                    return (table.entries.first { $0.version == "v2" }?.weightPPM ?? 0) == 0
                }
            }
            let took = asked.duration(to: clock.now)
            print("route convergence (\(what)): the abort reached \(pages.count) pages \(Self.milliseconds(took)) ms after it was asked (answered after \(Self.milliseconds(asked.duration(to: answered))) ms)")
            #expect(reached && took <= .seconds(1), "\(what): the abort took \(took); pages: \(Self.pages(pages))")
            let table = try #require(try Self.journalTable(what == "backup" ? backupPath : journalPath, model: model))
            #expect(table.phase == .aborted)
            #expect(await eventually(timeout: .seconds(2)) { Self.onEveryPage(table, pages) }, "pages: \(Self.pages(pages))")
            return table
        }
    }

    // MARK: - Support

    /// A consistent copy of the journal as it is now (`VACUUM INTO`), as a
    /// backup tool would take it while the coordinator runs.
    static func backUp(_ path: String, to backup: String) async throws {
        try await DatabaseQueue(path: path).writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM INTO ?", arguments: [backup])
        }
    }

    /// The model's table as the journal holds it (read through `Journal`).
    static func journalTable(_ path: String, model: String) throws -> Canary_V1_RouteTable? {
        guard let record = try Journal(path: path).routes().first(where: { $0.model == model }) else { return nil }
        return try Canary_V1_RouteTable(jsonString: record.tableJSON)
    }

    /// Whether every agent's route page holds `table`: epoch, sequence, phase and weights.
    static func onEveryPage(_ table: Canary_V1_RouteTable, _ pages: [RoutePage]) -> Bool {
        let entries = table.weights.map { RouteEntry(version: $0.version, weightPPM: $0.weightPpm) }
        return pages.allSatisfy { routePage in
            guard let page = try? routePage.read() else { return false }
            return page.epoch == table.epoch && page.sequence == table.sequence && page.entries == entries
                && page.phase == pagePhase(table.phase)
        }
    }

    static func pagePhase(_ phase: Canary_V1_RolloutPhase) -> RoutePhase? {
        switch phase {
        case .progressing: .progressing
        case .paused: .paused
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        case .aborted: .aborted
        case .pending: .pending
        default: nil
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    static func pages(_ pages: [RoutePage]) -> [String] {
        pages.map { (try? $0.read().summary) ?? "unreadable" }
    }

    /// The next `count` tables of `model` the coordinator's PUB sends, read
    /// by a plain SUB socket on a thread of its own; fewer if `timeout` passes first.
    static func published(on endpoint: String, model: String, count: Int, timeout: Duration) async throws -> [Canary_V1_RouteTable] {
        try await onThread { () throws -> [Canary_V1_RouteTable] in
            let context = try ZeroMQContext()
            defer { context.terminate() }
            let socket = try Socket(context, .sub)
            defer { socket.close() }
            try socket.set(.linger, .zero)
            try socket.set(.receiveTimeout, .milliseconds(100))
            try socket.subscribe(WireFormat.kindFrame(.routeTable))
            try socket.connect(endpoint)
            let deadline = ContinuousClock.now + timeout
            var tables: [Canary_V1_RouteTable] = []
            while tables.count < count, ContinuousClock.now < deadline {
                guard let frames = try? socket.receiveMultipart(),
                      case .routeTable(let table)? = try? WireMessage.decode(frames), table.model == model else { continue }
                tables.append(table)
            }
            return tables
        }
    }
}
