import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// `canary replay --journal`: a past rollout's inputs, as the coordinator's
/// machine handled them, through a plan.
@Suite("Replay from the journal", .serialized, .timeLimit(.minutes(2)))
struct JournalReplayTests {
    static func windowFrames(model: String, agent: String, version: String, sequence: UInt64, requests: UInt64, errors: UInt64,
                             atMs: Int64) throws -> [[UInt8]] {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: 20_000, count: requests)
        let window = Window(agentID: agent, agentEpoch: 1, sequence: sequence, model: model, version: version,
                            startMs: atMs - 100, endMs: atMs, requestCount: requests,
                            statuses: StatusCounts(ok: requests - errors, serverError: errors), latency: latency)
        return WireMessage.window(Canary_V1_Window(window)).encode()
    }

    static func write(_ text: String, _ name: String = "plan.yaml") throws -> String {
        let path = Unique.directory() + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func contents(_ paths: [String]) -> [Data?] {
        paths.map { FileManager.default.contents(atPath: $0) }
    }

    static func lines(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test("a real rollout replays through its own plan to the journaled decisions at the same run-clock times; a tighter limit rolls it back, saying why")
    func realRollout() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("replay-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 600, errorRate: 0.02, seed: 11) },
            Task { await serveTraffic(canary.recorder, perSecond: 600, errorRate: 0.02, seed: 12) },
        ]
        defer { traffic.forEach { $0.cancel() } }
        try await coordinator.waitForAgents(model: model)
        let plan = fastPlan(model: model)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: plan)
        #expect(started.status == 201, "\(started.text)")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        var phase = ""
        let ended = try await eventually(timeout: .seconds(40), every: .milliseconds(250)) {
            phase = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")["phase"] as? String ?? ""
            return phase == "promoted" || phase == "rolled_back"
        }
        #expect(ended, "phase is \(phase)")
        traffic.forEach { $0.cancel() }

        // Read beside the running coordinator: its own plan, exactly what it decided.
        let archive = try JournalArchive(path: coordinator.journalPath)
        let journaled = try archive.decisions(rolloutID: id)
        let own = try RolloutReplay.run(journal: archive, rolloutID: id, plan: RolloutPlan.parse(yaml: plan, file: "plan"))
        #expect(journaled.count >= 2 && own.result.pairs.count == journaled.count, "\(own.lines.joined(separator: "\n"))")
        #expect(own.result.pairs.allSatisfy { $0.agrees }, "\(own.lines.joined(separator: "\n"))")
        #expect(own.result.outcome.rawValue == phase)
        #expect(own.result.windows > 10 && own.result.ticks > 5, "\(own.result.windows) windows, \(own.result.ticks) ticks")

        // The same rollout under a hard limit its canary's 2 % errors break.
        let tight = plan.replacingOccurrences(of: "max: 20%", with: "max: 0.5%")
        let tighter = try RolloutReplay.run(journal: archive, rolloutID: id, plan: RolloutPlan.parse(yaml: tight, file: "tight"))
        #expect(tighter.result.outcome == .rolledBack, "\(tighter.lines.joined(separator: "\n"))")
        #expect(tighter.result.pairs.first?.agrees == true)
        let rollback = try #require(tighter.result.decisions.last)
        #expect(rollback.action == .rollback && rollback.reason.contains("limit 0.5 %"), "\(rollback.reason)")
        // The first decision that differs is the rollback, where the journal moved on.
        let differs = try #require(tighter.result.pairs.firstIndex { !$0.agrees })
        #expect(tighter.result.pairs[differs].replayed?.action == .rollback)
        #expect(tighter.lines.last?.contains(#""first_difference":\#(differs + 1)"#) == true, "\(tighter.lines.last ?? "")")

        // The binary: the same comparison, the routing said, errors naming the cause.
        let ownPath = try Self.write(plan)
        let cli = try await CLIProcess.run(["replay", "--plan", ownPath, "--journal", coordinator.journalPath, "--rollout", id])
        #expect(cli.status == 0, "\(cli)")
        #expect(cli.stderr.contains("routing as it happened"), "\(cli)")
        let printed = Self.lines(cli.stdout)
        #expect((printed.first?["replay"] as? [String: Any])?["routing"] as? String == JournalReplayOutput.routing, "\(cli)")
        #expect(printed.dropFirst().dropLast().allSatisfy { $0["same"] as? Bool == true } && printed.count == journaled.count + 2, "\(cli)")
        #expect((printed.last?["summary"] as? [String: Any])?["same"] as? Bool == true, "\(cli)")

        let unknown = try await CLIProcess.run(["replay", "--plan", ownPath, "--journal", coordinator.journalPath, "--rollout", "nope"])
        #expect(unknown.status == 2 && unknown.stderr.contains("has no rollout 'nope'; it holds: \(id) (model \(model), v1 → v2, started 20"), "\(unknown)")
        let otherPath = try Self.write(plan.replacingOccurrences(of: "canary: v2", with: "canary: v3"))
        let mismatch = try await CLIProcess.run(["replay", "--plan", otherPath, "--journal", coordinator.journalPath, "--rollout", id])
        #expect(mismatch.status == 2 && mismatch.stderr.contains("the plan is for model \(model), baseline v1 → canary v3, but rollout \(id) is model \(model), baseline v1 → canary v2"), "\(mismatch)")

        // Stopped, the journal's files are byte for byte what a replay leaves them.
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
        let files = [coordinator.journalPath, coordinator.journalPath + "-wal"]
        let before = Self.contents(files)
        let again = try await CLIProcess.run(["replay", "--plan", ownPath, "--journal", coordinator.journalPath, "--rollout", id])
        #expect(again.status == 0 && again.stdout == cli.stdout, "\(again)")
        #expect(Self.contents(files) == before)
    }

    @Test("operator commands and a coordinator restart mid-rollout replay exactly; a rollout without windows is refused")
    func restartAndCommands() async throws {
        let path = Unique.directory() + "/journal.sqlite"
        var config = CoordinatorConfig()
        config.journalPath = path
        let model = "replay-engine"
        let plan = fastPlan(model: model, bake: "1s", samples: 50)
        var now: Int64 = 1_800_000_000_000
        var engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
        await sayHello(to: engine, model: model, now: ClockReading(ms: now))
        let (view, _) = try await engine.start(planSource: plan, now: ClockReading(ms: now))
        var sequence: UInt64 = 0
        for step in 0..<120 {
            now += 100
            sequence += 1
            if step == 25 {
                // A crash and a restart 2 s later (down time left out of the run clock), mid-step.
                #expect(await engine.rolloutView(id: view.id)?.phase == .progressing)
                now += 2_000
                engine = try CoordinatorEngine(config: config, journal: try Journal(path: path), logger: testLogger, now: ClockReading(ms: now))
                await sayHello(to: engine, model: model, now: ClockReading(ms: now))
            }
            for (index, (agent, version, requests)) in [("a", "v1", UInt64(60)), ("b", "v2", UInt64(30))].enumerated() {
                _ = await engine.receive(routingID: [UInt8(index)], frames: try Self.windowFrames(
                    model: model, agent: agent, version: version, sequence: sequence, requests: requests, errors: 0, atMs: now),
                    now: ClockReading(ms: now))
            }
            _ = await engine.flush(now: ClockReading(ms: now))
            for tick in 1...4 { _ = await engine.tick(now: ClockReading(ms: now + Int64(tick) * 20)) }
            if step == 5 { _ = try await engine.command(.pause, rolloutID: view.id, now: ClockReading(ms: now + 90)) }
            if step == 20 { _ = try await engine.command(.resume, rolloutID: view.id, now: ClockReading(ms: now + 90)) }
            if await engine.rolloutView(id: view.id)?.phase.isTerminal == true { break }
        }
        let archive = try JournalArchive(path: path)
        let replayed = try RolloutReplay.run(journal: archive, rolloutID: view.id, plan: RolloutPlan.parse(yaml: plan, file: "plan"))
        let actions = replayed.result.pairs.compactMap(\.journaled?.action)
        #expect(Array(actions.prefix(3)) == [.advance, .pause, .resume], "\(replayed.lines.joined(separator: "\n"))")
        #expect(actions.count >= 4, "\(replayed.lines.joined(separator: "\n"))")
        #expect(replayed.result.commands == 2)
        #expect(replayed.result.pairs.allSatisfy { $0.agrees }, "\(replayed.lines.joined(separator: "\n"))")

        // Started and aborted before any window arrived.
        let quiet = "replay-quiet"
        await sayHello(to: engine, model: quiet, now: ClockReading(ms: now))
        let (aborted, _) = try await engine.start(planSource: fastPlan(model: quiet), now: ClockReading(ms: now))
        _ = try await engine.command(.abort, rolloutID: aborted.id, now: ClockReading(ms: now + 10))
        #expect {
            try RolloutReplay.run(journal: archive, rolloutID: aborted.id, plan: RolloutPlan.parse(yaml: fastPlan(model: quiet), file: "plan"))
        } throws: { error in
            (error as? RolloutReplay.Failure)?.code == .noWindows
                && "\(error)".hasPrefix("rollout \(aborted.id) (\(quiet), aborted) has no windows in \(path)")
        }
    }

    @Test("a journal that is missing, not Canary's or of a newer schema is refused, naming the cause")
    func unreadableJournals() async throws {
        let planPath = try Self.write(fastPlan(model: "m"))
        func replay(_ journal: String) async throws -> CLIResult {
            try await CLIProcess.run(["replay", "--plan", planPath, "--journal", journal, "--rollout", "r"])
        }
        let missing = Unique.directory() + "/absent.sqlite"
        let absent = try await replay(missing)
        #expect(absent.status == 2 && absent.stderr.contains("\(missing): no such file"), "\(absent)")
        let text = try Self.write("model: m\n", "journal.sqlite")
        let notDatabase = try await replay(text)
        #expect(notDatabase.status == 2 && notDatabase.stderr.contains("\(text) is not a Canary journal: not an SQLite database"), "\(notDatabase)")

        // An SQLite database of something else, and a journal a newer coordinator migrated.
        let other = Unique.directory() + "/other.sqlite"
        let newer = Unique.directory() + "/journal.sqlite"
        _ = try Journal(path: newer)
        let python = try await CLIProcess.python([
            "-c", """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1]); db.execute("CREATE TABLE t (x)"); db.commit()
            db = sqlite3.connect(sys.argv[2]); db.execute("INSERT INTO grdb_migrations VALUES ('v99: future')"); db.commit()
            """, other, newer,
        ])
        #expect(python.status == 0, "\(python)")
        let foreign = try await replay(other)
        #expect(foreign.status == 2 && foreign.stderr.contains("\(other) is an SQLite database but not a Canary journal"), "\(foreign)")
        let future = try await replay(newer)
        #expect(future.status == 2 && future.stderr.contains("\(newer) was written by a newer coordinator (schema v99: future"), "\(future)")
    }
}
