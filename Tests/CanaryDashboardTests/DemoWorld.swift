import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Logging
import Synchronization

/// A whole Canary in one process: a coordinator on free ports, a baseline
/// and a canary agent on their own shared-memory rings, and a replica
/// stand-in recording samples into those rings — healthy until `failCanary`.
final class DemoWorld: Sendable {
    static let model = "fraud-detector"
    static let plan = """
        model: fraud-detector
        baseline: v41
        canary: v42
        steps: [5%, 25%, 50%, 100%]
        bake:
          min_duration: 8s
          min_samples_per_arm: 100
        analysis_window: 10s
        alpha: 0.01
        on_breach: rollback
        guards:
          - metric: error_rate
            max: 20%
            tolerance: 50%
            margin: 1%
          - metric: latency_p99
            max: 400ms
            tolerance: 50%
          - metric: accuracy
            tolerance: 10%
          - metric: prediction_drift
            psi_max: 0.25
            min_samples: 100
        """

    let coordinator: Coordinator
    let agents: [Agent]
    let endpoints: Coordinator.Endpoints
    let journalPath: String
    /// Shared-memory names to unlink when the world stops.
    let segments: [String]
    private let tasks: Mutex<[Task<Void, Never>]>
    private let failing = Atomic<Bool>(false)
    private let writing = Atomic<Bool>(true)
    /// Samples written per version (what the coordinator must end up counting).
    let written = Mutex<[String: Int]>([:])

    var baseURL: String { endpoints.httpURL }

    private init(coordinator: Coordinator, agents: [Agent], endpoints: Coordinator.Endpoints, journalPath: String,
                 segments: [String], tasks: [Task<Void, Never>]) {
        self.coordinator = coordinator
        self.segments = segments
        self.agents = agents
        self.endpoints = endpoints
        self.journalPath = journalPath
        self.tasks = Mutex(tasks)
    }

    /// Runs `body` with a fresh world and stops it afterwards, whatever happens.
    static func with(token: String? = nil, webhooks: [WebhookConfig] = [], _ body: (DemoWorld) async throws -> Void) async throws {
        let world = try await start(token: token, webhooks: webhooks)
        do {
            try await body(world)
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    static func start(token: String? = nil, webhooks: [WebhookConfig] = []) async throws -> DemoWorld {
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        var config = CoordinatorConfig()
        config.routerEndpoint = "tcp://127.0.0.1:*"
        config.publishEndpoint = "tcp://127.0.0.1:*"
        config.httpPort = 0
        config.journalPath = NSTemporaryDirectory() + "canary-dash-\(tag).sqlite"
        config.apiToken = token
        config.webhooks = webhooks
        config.tickMs = 100
        var logger = Logger(label: "dash-test")
        logger.logLevel = ProcessInfo.processInfo.environment["CANARY_TEST_LOG"] == nil ? .warning : .info
        let coordinator = try Coordinator(config: config, logger: logger)
        let coordinatorTask = Task { _ = try? await coordinator.run() }
        guard let endpoints = await coordinator.endpoints() else { throw DemoError("the coordinator did not start") }
        var agents: [Agent] = []
        var tasks = [coordinatorTask]
        var recorders: [(String, SampleRecorder)] = []
        for (version, role) in [("v41", "baseline"), ("v42", "canary")] {
            let ring = "/canary.dash.\(tag).\(version)"
            var agentConfig = AgentConfig(agentID: "dash-\(tag)/\(version)", model: model, version: version,
                                          ringName: ring, routePageName: ring + ".route")
            agentConfig.role = role
            agentConfig.windowMs = 500
            agentConfig.coordinatorRouter = endpoints.router
            agentConfig.coordinatorPublisher = endpoints.publisher
            let agent = try Agent(config: agentConfig, logger: logger)
            agents.append(agent)
            tasks.append(Task { _ = try? await agent.run() })
            recorders.append((version, try SampleRecorder(RingConfiguration(name: ring, model: model, version: version, capacity: 1 << 14))))
        }
        let world = DemoWorld(coordinator: coordinator, agents: agents, endpoints: endpoints,
                              journalPath: config.journalPath,
                              segments: agents.flatMap { [$0.config.ringName, $0.config.routePageName] }, tasks: tasks)
        let replicas = recorders
        let writer = Task { await world.writeSamples(replicas) }
        world.tasks.withLock { $0.append(writer) }
        // A rollout starts only once both versions have live agents: the
        // world is ready when the coordinator has heard from both.
        do {
            try await eventually("hellos of the v41 and v42 agents") {
                Set(await coordinator.engine.agentStatuses().filter { $0.model == model && !$0.stale }.map(\.version)) == ["v41", "v42"]
            }
        } catch {
            await world.stop()
            throw error
        }
        return world
    }

    /// From now on the canary is slow, fails often and is often wrong.
    func failCanary() { failing.store(true, ordering: .relaxed) }
    func stopTraffic() { writing.store(false, ordering: .relaxed) }

    /// ~120 baseline and ~60 canary requests a second while the canary has
    /// traffic; a label for every request, right 90 % of the time; and per
    /// batch one label for a key nobody served (unmatched).
    private func writeSamples(_ recorders: [(String, SampleRecorder)]) async {
        var key: UInt64 = 1
        var tick = 0
        var canaryWeight: UInt32 = 0
        while !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(50)) } catch { return }
            tick += 1
            if tick % 4 == 0 {
                canaryWeight = await coordinator.engine.rolloutViews().first { !$0.phase.isTerminal }?.canaryWeightPPM ?? 0
            }
            guard writing.load(ordering: .relaxed) else { continue }
            let bad = failing.load(ordering: .relaxed)
            for (version, recorder) in recorders {
                let canary = version == "v42"
                if canary && canaryWeight == 0 { continue }
                let count = canary ? 3 : 6
                for _ in 0..<count {
                    key &+= 1
                    let broken = canary && bad
                    let ms = Double.random(in: 30...45) + (Double.random(in: 0...1) < 0.02 ? 30 : 0) + (broken ? 60 : 0)
                    let status: SampleStatus = broken && Double.random(in: 0...1) < 0.35 ? .serverError : .ok
                    let predicted: Int32 = broken ? 2 : Int32.random(in: 0...1)
                    recorder.record(latency: .microseconds(Int64(ms * 1000)), status: status, prediction: .classIndex(predicted), key: key)
                    recorder.recordOutcome(key: key, correct: Double.random(in: 0...1) < (broken ? 0.6 : 0.9))
                }
                recorder.recordOutcome(key: key | (1 << 63), label: 1)
                written.withLock { $0[version, default: 0] += count }
            }
        }
    }

    /// Starts the demo plan through the API, as an operator would.
    func startRollout(token: String? = nil) async throws -> String {
        let response = try await HTTP.request("POST", baseURL + "/api/v1/rollouts", body: Data(Self.plan.utf8), token: token)
        guard response.status == 201, let object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let id = object["id"] as? String else {
            throw DemoError("starting the rollout failed: HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return id
    }

    func stop() async {
        let all = tasks.withLock { $0 }
        // The agents first; then the coordinator (the first task) as SIGTERM would.
        for task in all.dropFirst().reversed() { task.cancel() }
        await coordinator.shutdown()
        for task in all { await task.value }
        for name in segments { _ = try? unlinkSharedSegment(name) }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: journalPath + suffix) }
    }
}

struct DemoError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Waits until `condition` holds, polling; fails with `what` after `seconds`.
func eventually(_ what: String, seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw DemoError("timed out after \(seconds) s waiting for \(what)")
}
