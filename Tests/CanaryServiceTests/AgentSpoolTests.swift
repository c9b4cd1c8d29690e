import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Testing

/// The spool end to end: an agent killed while the coordinator is down
/// leaves its unacked windows behind and its successor has them counted,
/// once; a spool holding corrupt or foreign files, or none that works,
/// never stops an agent.
@Suite("Agent spool", .serialized, .timeLimit(.minutes(2)))
struct AgentSpoolTests {
    /// Requests in the window files of `directory` (what a successor would resend).
    static func spooledRequests(_ directory: String) -> UInt64 {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".window") }.reduce(0) { sum, name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name),
                  case .success(let record) = SpooledWindow.decode(Array(data)),
                  case .window(let window)? = try? WireMessage.decode(record.frames) else { return sum }
            return sum + window.requestCount
        }
    }

    static func windowFiles(_ directory: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".window") }.count
    }

    /// `corruptOne`: the oldest spooled file is torn before the restart;
    /// its window is refused, and its samples are reported lost, not silently.
    @Test("agent kill -9 with the coordinator down, restarted: every window counted once, nothing lost (a torn spool file: reported lost)",
          arguments: [false, true])
    func killedWhileCoordinatorDown(corruptOne: Bool) async throws {
        let dir = Unique.directory()
        let journalPath = dir + "/journal.sqlite"
        let router = "ipc://\(dir)/router", publisher = "ipc://\(dir)/publisher"
        var coordinator = try await RunningCoordinator.start(journalPath: journalPath, router: router, publisher: publisher)
        let model = Unique.name("spoolkill-")
        let ring = "/" + Unique.name("ct.spool.")
        let spoolDirectory = dir + "/agent.spool"
        defer {
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
            RingCheckpoint.remove(ring: ring)
        }
        try """
            agent_id: spooled
            model: \(model)
            version: v1
            ring: {name: \(ring), capacity: 16384}
            # Its own page: each agent here stands for a replica on its own host.
            route_page: \(ring).route
            window: 200ms
            coordinator: {router: "\(router)", publisher: "\(publisher)"}
            coordinator_timeout: 1s
            spool: {directory: "\(spoolDirectory)"}
            log_level: notice
            """.write(toFile: "\(dir)/agent.yaml", atomically: true, encoding: .utf8)
        var agent = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent-1.log")
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v1", capacity: 16384,
                                                            permissions: .ownerAndGroup))
        let journal = try Journal(path: journalPath)
        func counted() throws -> (requests: Int64, lost: Int64) {
            let rows = try journal.aggregates(model: model, sinceSecond: 0)
            return (rows.map(\.requests).reduce(0, +), rows.map(\.ringLost).reduce(0, +))
        }
        var key: UInt64 = 0
        func record(_ count: Int) {
            for _ in 0..<count {
                recorder.record(latency: .milliseconds(4), key: key)
                key += 1
            }
        }
        record(300)
        let live = try await eventually(timeout: .seconds(15)) { try counted().requests == 300 }
        try #require(live, "the agent never reported: \(agent.log)")
        let settled = await eventually(timeout: .seconds(10)) { Self.windowFiles(spoolDirectory) == 0 }
        try #require(settled, "acked windows were left in the spool")

        await coordinator.stop()
        // Four windows' worth while nobody can ack them: they are spooled.
        for _ in 0..<4 {
            record(100)
            try await Task.sleep(for: .milliseconds(250))
        }
        let spooled = await eventually(timeout: .seconds(10)) { Self.spooledRequests(spoolDirectory) == 400 }
        try #require(spooled, "spooled \(Self.spooledRequests(spoolDirectory)) of 400 requests: \(agent.log)")
        await agent.kill()
        var torn: Int64 = 0
        if corruptOne {
            let oldest = try #require(try FileManager.default.contentsOfDirectory(atPath: spoolDirectory).filter { $0.hasSuffix(".window") }.sorted().first)
            let path = spoolDirectory + "/" + oldest
            var bytes = Array(try #require(FileManager.default.contents(atPath: path)))
            guard case .success(let record) = SpooledWindow.decode(bytes), case .window(let window)? = try? WireMessage.decode(record.frames) else {
                throw TestFailure("the spooled file \(path) does not decode")
            }
            torn = Int64(window.requestCount)
            bytes[bytes.count - 8] ^= 0xFF
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
        // The replica keeps recording while its agent is down.
        record(100)
        agent = try Daemon(["agent", "--config", "\(dir)/agent.yaml"], logPath: "\(dir)/agent-2.log")
        let adopted = await eventually(timeout: .seconds(10)) { agent.log.contains("taken over") }
        #expect(adopted, "the successor did not take the spool over: \(agent.log)")
        coordinator = try await RunningCoordinator.start(journalPath: journalPath, router: router, publisher: publisher)

        var totals = (requests: Int64(0), lost: Int64(0))
        let all = try await eventually(timeout: .seconds(20)) {
            totals = try counted()
            return totals.requests + totals.lost >= 800
        }
        #expect(all, "counted \(totals.requests) of 800 (reported lost \(totals.lost)): \(agent.log)")
        let emptied = await eventually(timeout: .seconds(10)) { Self.windowFiles(spoolDirectory) == 0 }
        #expect(emptied, "acked windows stayed in the spool")
        // A window counted twice would arrive with the resends: give them time to show.
        try await Task.sleep(for: .milliseconds(600))
        totals = try counted()
        #expect(totals.requests == 800 - torn && totals.lost == torn,
                "counted \(totals.requests), reported lost \(totals.lost), of 800 written (\(torn) in the torn file)")
        if corruptOne { #expect(agent.log.contains("checksum mismatch") && agent.log.contains("quarantined as"), "\(agent.log)") }
        await agent.terminate()
        // Only a quarantined file, kept for a post-mortem, keeps the directory.
        #expect(FileManager.default.fileExists(atPath: spoolDirectory) == corruptOne)
        await coordinator.stop()
    }

    /// An in-process agent of `model` with its spool in `spoolDirectory`.
    static func agent(model: String, ring: String, spoolDirectory: String, coordinator: RunningCoordinator) throws -> AgentConfig {
        var config = AgentConfig(agentID: "carrier", model: model, version: "v1", ringName: ring, routePageName: ring + ".route")
        config.windowMs = 200
        config.ringCapacity = 1 << 12
        config.coordinatorRouter = coordinator.endpoints.router
        config.coordinatorPublisher = coordinator.endpoints.publisher
        config.coordinatorTimeoutMs = 1_000
        config.spoolDirectory = spoolDirectory
        return config
    }

    @Test("a spool with corrupt and foreign files: they are quarantined, the agent's own window is counted, the agent carries on")
    func corruptSpool() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("spoolbad-")
        let ring = "/" + Unique.name("ct.spoolbad.")
        let spoolDirectory = Unique.directory() + "/spool"
        defer {
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
            RingCheckpoint.remove(ring: ring)
        }
        // What a predecessor left: one window of its own, one of another
        // agent, one torn file.
        let left = WindowSpool(directory: spoolDirectory)
        try left.open()
        try left.write(WindowSpoolTests.window(agent: "carrier", model: model, epoch: 3, sequence: 9, requests: 7))
        let foreign = try WindowSpoolTests.window(agent: "intruder", model: model, epoch: 3, sequence: 10, requests: 1_000)
        try left.write(foreign)
        let torn = try WindowSpoolTests.window(agent: "carrier", model: model, epoch: 3, sequence: 11, requests: 1_000)
        try Data(torn.encoded().dropLast(9)).write(to: URL(fileURLWithPath: left.path(of: torn.key)))
        left.close()

        let config = try Self.agent(model: model, ring: ring, spoolDirectory: spoolDirectory, coordinator: coordinator)
        let agent = try Agent(config: config, logger: testLogger)
        let task = Task { try await agent.run() }
        #expect(await agent.waitUntilRunning())
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v1", capacity: 1 << 12,
                                                            permissions: .ownerAndGroup))
        for i in 0..<50 { recorder.record(latency: .milliseconds(3), key: UInt64(i)) }
        let journal = try Journal(path: coordinator.journalPath)
        var requests: Int64 = 0
        let counted = try await eventually(timeout: .seconds(10)) {
            requests = try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +)
            return requests >= 57
        }
        #expect(counted, "counted \(requests): the agent's own spooled window (7) and its 50 new samples")
        let health = await agent.health()
        #expect(health.windowsRecovered == 1 && health.spoolQuarantined == 2, "\(health)")
        #expect(health.healthy, "a quarantined file is reported, not a lasting fault: \(health)")
        #expect(FileManager.default.fileExists(atPath: left.path(of: foreign.key) + ".quarantined"))
        #expect(FileManager.default.fileExists(atPath: left.path(of: torn.key) + ".quarantined"))
        try await Task.sleep(for: .milliseconds(400))
        #expect(try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +) == 57, "nothing refused was counted")
        task.cancel()
        _ = try? await task.value
        await coordinator.stop()
    }

    @Test("a spool directory that cannot be used: the agent runs without it, unhealthy, and says why")
    func unusableSpool() async throws {
        let coordinator = try await RunningCoordinator.start()
        let model = Unique.name("spoolnone-")
        let ring = "/" + Unique.name("ct.spoolnone.")
        let blocked = Unique.directory() + "/not-a-directory"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocked))
        defer {
            _ = try? unlinkSharedSegment(ring)
            _ = try? unlinkSharedSegment(ring + ".route")
            RingCheckpoint.remove(ring: ring)
        }
        let config = try Self.agent(model: model, ring: ring, spoolDirectory: blocked, coordinator: coordinator)
        let agent = try Agent(config: config, logger: testLogger)
        let task = Task { try await agent.run() }
        #expect(await agent.waitUntilRunning())
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: "v1", capacity: 1 << 12,
                                                            permissions: .ownerAndGroup))
        for i in 0..<40 { recorder.record(latency: .milliseconds(3), key: UInt64(i)) }
        let journal = try Journal(path: coordinator.journalPath)
        let counted = try await eventually(timeout: .seconds(10)) {
            try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +) == 40
        }
        #expect(counted, "windows still reach the coordinator without a spool")
        let health = await agent.health()
        #expect(!health.healthy && health.unhealthyReason?.contains("not spooled") == true, "\(health)")
        #expect(health.spoolFault?.contains(blocked) == true, "\(health)")
        task.cancel()
        _ = try? await task.value
        await coordinator.stop()
    }
}
