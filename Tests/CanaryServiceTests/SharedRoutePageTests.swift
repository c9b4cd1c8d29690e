import CanaryConfig
import CanaryShm
import Foundation
import Testing

/// The routing convention (README "Routing in your server"): every agent of
/// a model on a host shares `/canary.<model>.route`; one writes it, another
/// takes over when it dies; before any rollout the page says which version
/// serves. Real agent processes, a real coordinator.
@Suite("Shared route page") struct SharedRoutePageTests {
    @Test("one page per model: the baseline says it serves before any rollout; the writer killed, the other agent writes the next table")
    func sharedPageSurvivesItsWriter() async throws {
        let coordinator = try await RunningCoordinator.start()
        let dir = Unique.directory()
        let model = Unique.name("shared-")
        let pageName = AgentConfig.defaultRoutePage(model: model)
        let rings = ["/" + Unique.name("sp.v1."), "/" + Unique.name("sp.v2.")]
        defer {
            for ring in rings { _ = try? unlinkSharedSegment(ring) }
            _ = try? unlinkSharedSegment(pageName)
        }
        func agent(_ index: Int, version: String, role: String) throws -> Daemon {
            // No route_page: the default is the model's shared page.
            try """
                agent_id: shared-\(version)
                model: \(model)
                version: \(version)
                role: \(role)
                ring: {name: \(rings[index]), capacity: 4096}
                window: 200ms
                coordinator: {router: "\(coordinator.endpoints.router)", publisher: "\(coordinator.endpoints.publisher)"}
                log_level: info
                """.write(toFile: "\(dir)/\(version).yaml", atomically: true, encoding: .utf8)
            return try Daemon(["agent", "--config", "\(dir)/\(version).yaml"], logPath: "\(dir)/\(version).log")
        }
        let baseline = try agent(0, version: "v1", role: "baseline")
        var recorders = [try SampleRecorder(RingConfiguration(name: rings[0], model: model, version: "v1", capacity: 4096, permissions: .ownerAndGroup))]
        // Before any rollout the page already names the serving version.
        let served = try await eventually(timeout: .seconds(10)) {
            guard let page = try? RoutePage(name: pageName, model: model, openMode: .attachOnly) else { return false }
            let table = try page.read()
            return table.entries == [RouteEntry(version: "v1", weightPPM: 1_000_000)] && table.phase == .pending && table.sequence == 0
        }
        #expect(served, "the page did not say v1 serves: \(baseline.log)")
        let canary = try agent(1, version: "v2", role: "canary")
        recorders.append(try SampleRecorder(RingConfiguration(name: rings[1], model: model, version: "v2", capacity: 4096, permissions: .ownerAndGroup)))
        let page = try RoutePage(name: pageName, model: model, openMode: .attachOnly)
        let bothLive = await eventually(timeout: .seconds(10)) {
            let statuses = await coordinator.coordinator.engine.agentStatuses()
            return ["shared-v1", "shared-v2"].allSatisfy { id in statuses.contains { $0.agentID == id && !$0.stale } }
        }
        try #require(bothLive, "agents not live: \(baseline.log)\n\(canary.log)")
        let following = await eventually(timeout: .seconds(3)) { canary.log.contains("is written by another agent of this host") }
        #expect(following, "\(canary.log)")

        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "1h"))
        try #require(started.status == 201, "\(started.text)")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        func canaryPPM() -> UInt32? { (try? page.read())?.entries.first { $0.version == "v2" }?.weightPPM }
        let first = await eventually(timeout: .seconds(5)) { canaryPPM() == 100_000 }
        #expect(first, "page: \(String(describing: try? page.read()))")

        // The writer dies; the next table still reaches the page.
        await baseline.kill()
        let weight = try await TestHTTP.request("PUT", coordinator.url + "/api/v1/rollouts/\(id)/weight", body: #"{"percent": 30}"#)
        #expect(weight.status == 200, "\(weight.text)")
        let second = await eventually(timeout: .seconds(5)) { canaryPPM() == 300_000 }
        #expect(second, "the surviving agent did not write the next table: page \(String(describing: try? page.read()))\n\(canary.log)")
        let said = await eventually(timeout: .seconds(3)) { canary.log.contains("took over writing it") }
        #expect(said, "\(canary.log)")
        _ = recorders
        await canary.terminate()
        await coordinator.stop()
    }
}
