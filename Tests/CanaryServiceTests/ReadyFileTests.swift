import CanaryAPI
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import Foundation
import Testing

/// `--ready-file`: the coordinator says where it listens once it is bound.
@Suite("Ready file", .timeLimit(.minutes(1)))
struct ReadyFileTests {
    @Test("an in-process coordinator writes its bound endpoints and epoch")
    func inProcess() async throws {
        let dir = Unique.directory()
        var config = CoordinatorConfig()
        config.routerEndpoint = "tcp://127.0.0.1:*"
        config.publishEndpoint = "tcp://127.0.0.1:*"
        config.httpPort = 0
        config.journalPath = dir + "/journal.sqlite"
        let coordinator = try Coordinator(config: config, logger: testLogger, readyFile: dir + "/ready.json")
        let task = Task { try await coordinator.run() }
        defer { task.cancel() }
        let endpoints = try #require(await coordinator.endpoints())
        let ready = try CoordinatorReadyFile.read(from: dir + "/ready.json")
        #expect(ready == CoordinatorReadyFile(router: endpoints.router, publisher: endpoints.publisher,
                                              httpURL: endpoints.httpURL, httpPort: endpoints.httpPort,
                                              epoch: coordinator.engine.epoch))
        #expect(!ready.router.hasSuffix(":*"))
        await coordinator.shutdown()
        try await task.value
    }

    @Test("canary coordinator --ready-file: the file names a live coordinator; SIGTERM stops it cleanly")
    func daemon() async throws {
        let dir = Unique.directory()
        let path = dir + "/ready.json"
        let daemon = try Daemon(["coordinator", "--journal", dir + "/journal.sqlite", "--http-port", "0",
                                 "--router", "tcp://127.0.0.1:*", "--publisher", "tcp://127.0.0.1:*", "--ready-file", path],
                                logPath: dir + "/coordinator.log")
        let written = await eventually(timeout: .seconds(15)) { FileManager.default.fileExists(atPath: path) }
        try #require(written, "no ready file: \(daemon.log)")
        let ready = try CoordinatorReadyFile.read(from: path)
        // Decoded as UInt64: an epoch may exceed what a Double holds exactly.
        struct Health: Decodable { let epoch: UInt64 }
        let health = try await TestHTTP.request("GET", ready.httpURL + "/healthz")
        #expect(try JSONDecoder().decode(Health.self, from: Data(health.text.utf8)).epoch == ready.epoch)
        #expect(ready.httpURL == "http://127.0.0.1:\(ready.httpPort)")
        #expect(ready.router.hasPrefix("tcp://127.0.0.1:") && !ready.router.hasSuffix(":*"))
        await daemon.terminate()
        #expect(daemon.process.terminationStatus == 0, "exit status \(daemon.process.terminationStatus): \(daemon.log)")
        #expect(daemon.log.contains("coordinator stopped"))
    }
}
