import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import Foundation
import Logging
import Synchronization

/// Unique names so test cases run in parallel without sharing segments,
/// ports or journals.
enum Unique {
    private static let counter = Atomic<Int>(0)

    static func name(_ prefix: String) -> String {
        let n = counter.add(1, ordering: .relaxed).newValue
        return "\(prefix)\(getpid())-\(n)"
    }

    static func directory() -> String {
        let path = NSTemporaryDirectory() + "/" + name("canary-test-")
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

let testLogger: Logger = {
    var logger = Logger(label: "canary.test")
    logger.logLevel = .warning
    return logger
}()

/// An in-process coordinator on loopback with OS-picked ports.
final class RunningCoordinator: Sendable {
    let coordinator: Coordinator
    let task: Task<Void, any Error>
    let endpoints: Coordinator.Endpoints
    let journalPath: String

    static func start(journalPath: String? = nil, router: String = "tcp://127.0.0.1:*",
                      publisher: String = "tcp://127.0.0.1:*", staleAfterMs: Int64 = 3_000, forgetAfterMs: Int64 = 300_000,
                      token: String? = nil, curve: CoordinatorCurveConfig? = nil, limits: FleetLimits = FleetLimits(),
                      webhooks: [WebhookConfig] = []) async throws -> RunningCoordinator {
        var config = CoordinatorConfig()
        config.routerEndpoint = router
        config.publishEndpoint = publisher
        config.httpPort = 0
        config.journalPath = journalPath ?? Unique.directory() + "/journal.sqlite"
        config.staleAfterMs = staleAfterMs
        config.forgetAfterMs = forgetAfterMs
        config.tickMs = 50
        config.apiToken = token
        config.curve = curve
        config.limits = limits
        config.webhooks = webhooks
        let coordinator = try Coordinator(config: config, logger: testLogger)
        let task = Task { try await coordinator.run() }
        guard let endpoints = await coordinator.endpoints() else {
            _ = try? await task.value
            throw TestFailure("the coordinator did not start")
        }
        return RunningCoordinator(coordinator: coordinator, task: task, endpoints: endpoints, journalPath: config.journalPath)
    }

    private init(coordinator: Coordinator, task: Task<Void, any Error>, endpoints: Coordinator.Endpoints, journalPath: String) {
        self.coordinator = coordinator
        self.task = task
        self.endpoints = endpoints
        self.journalPath = journalPath
    }

    var url: String { endpoints.httpURL }

    func stop() async {
        await coordinator.shutdown()
        _ = try? await task.value
    }
}

/// An in-process agent with its ring and route page, plus a recorder the
/// test writes samples with (as a model replica would).
final class RunningAgent: Sendable {
    let agent: Agent
    let task: Task<Void, any Error>
    let recorder: SampleRecorder
    let config: AgentConfig

    static func start(model: String, version: String, coordinator: Coordinator.Endpoints,
                      windowMs: Int64 = 200, ringName: String? = nil, agentID: String? = nil,
                      curve: AgentCurveConfig? = nil, labelHorizonMs: Int64? = nil,
                      labelMaxPending: Int? = nil, role: String? = nil) async throws -> RunningAgent {
        let ring = ringName ?? "/" + Unique.name("ct.\(role ?? version).")
        var config = AgentConfig(agentID: agentID ?? Unique.name("agent-\(version)-"), model: model, version: version,
                                 ringName: ring, routePageName: ring + ".route")
        config.windowMs = windowMs
        config.ringCapacity = 1 << 14
        config.coordinatorRouter = coordinator.router
        config.coordinatorPublisher = coordinator.publisher
        config.coordinatorTimeoutMs = 1_000
        config.curve = curve
        if let role { config.role = role }
        if let labelHorizonMs { config.labelHorizonMs = labelHorizonMs }
        if let labelMaxPending { config.labelMaxPending = labelMaxPending }
        let agent = try Agent(config: config, logger: testLogger)
        let recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: version, capacity: 1 << 14,
                                                            permissions: .ownerAndGroup))
        let task = Task { try await agent.run() }
        guard await agent.waitUntilRunning() else { throw TestFailure("agent \(version) did not start") }
        return RunningAgent(agent: agent, task: task, recorder: recorder, config: config)
    }

    private init(agent: Agent, task: Task<Void, any Error>, recorder: SampleRecorder, config: AgentConfig) {
        self.agent = agent
        self.task = task
        self.recorder = recorder
        self.config = config
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    func unlink() {
        _ = try? unlinkSharedSegment(config.ringName)
        _ = try? unlinkSharedSegment(config.routePageName)
        RingCheckpoint.remove(ring: config.ringName)
        try? FileManager.default.removeItem(atPath: WindowSpool.defaultDirectory(forRing: config.ringName))
    }

    /// The canary's share on this agent's route page, in ppm (nil before any table).
    func canaryPPM(canary: String) throws -> UInt32? {
        let table = try agent.routePage.read()
        guard !table.entries.isEmpty else { return nil }
        return table.entries.first { $0.version == canary }?.weightPPM ?? 0
    }
}

/// Writes samples at a steady rate until cancelled, like a replica serving
/// traffic: `errorRate` of them server errors, latency lognormal around `medianMs`.
func serveTraffic(_ recorder: SampleRecorder, perSecond: Int, errorRate: Double, medianMs: Double = 20,
                  seed: UInt64) async -> Int {
    var rng = SeededRandom(seed: seed)
    var written = 0
    let batch = max(1, perSecond / 50)
    while !Task.isCancelled {
        for _ in 0..<batch {
            let latency = medianMs * exp(0.3 * rng.gaussian())
            let failed = rng.uniform() < errorRate
            recorder.record(latency: .microseconds(Int64(latency * 1000)), status: failed ? .serverError : .ok,
                            prediction: .classIndex(Int32(rng.next() % 4)), key: rng.next())
            written += 1
        }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return written
}

struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func gaussian() -> Double {
        let u = max(uniform(), 1e-12)
        return sqrt(-2 * log(u)) * cos(2 * .pi * uniform())
    }
}

/// A plan fast enough for tests: short bakes, a hard error limit that a
/// 30 % error canary trips at once, and a relative error guard.
func fastPlan(model: String, steps: String = "[10%, 50%, 100%]", bake: String = "1s", samples: Int = 50) -> String {
    """
    model: \(model)
    baseline: v1
    canary: v2
    steps: \(steps)
    bake:
      min_duration: \(bake)
      max_duration: \(bake)
      min_samples_per_arm: \(samples)
    analysis_window: 5s
    alpha: 0.01
    on_breach: rollback
    # These tests are about faults, not evidence: advance once baked.
    on_inconclusive: advance
    stale_after: 2s
    guards:
      - metric: error_rate
        max: 20%
        tolerance: 50%
        margin: 1%
        min_samples: 50
    """
}
