import CanaryAPI
import CanaryConfig
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Logging
import ServiceLifecycle
import ZeroMQ

/// The sidecar agent: drains one replica's sample ring into windows, sends
/// them to the coordinator (DEALER, acked, resent until acked), and follows
/// the route tables (SUB) onto the replica's route page.
///
/// Fail-static: when the coordinator is silent the route page keeps the last
/// split and windows wait in the bounded unacked buffer, each also written
/// to the spool before its first send, so a restarted agent resends them.
/// A `Service`: SIGTERM in a `ServiceGroup` (or cancelling its task)
/// flushes the open window, says goodbye and stops within about a second.
public final class Agent: Service, Sendable {
    static let dealer: SocketID = "dealer"
    static let subscriber: SocketID = "subscriber"

    public let config: AgentConfig
    public let epoch: UInt64
    let logger: Logger
    let clock: @Sendable () -> Int64
    let state: AgentState
    let reader: SampleReader
    public let routePage: RoutePage
    let hook: ApplyHook
    /// Unacked windows on disk (write-ahead), for a successor to resend.
    let spool: WindowSpool
    /// This agent's key pair and the coordinator's public key (nil: plain text).
    let curve: (keyPair: CurveKeyPair, coordinatorKey: String)?
    private let started = OnceValue<Bool>()
    /// The port the metrics listener bound (nil: none configured, or it failed).
    let metricsBound = OnceValue<Int>()

    /// Opens (or creates) the sample ring and the route page; the sockets
    /// are opened by `run()`.
    /// - Parameter ringFaultHoldMs: how long a ring fault the agent
    ///   recovered from keeps it unhealthy, so it is seen (heartbeats,
    ///   `/healthz`) even when recovery took one drain.
    public init(config: AgentConfig, logger: Logger, clock: @escaping @Sendable () -> Int64 = Agent.wallClockMs,
                ringFaultHoldMs: Int64 = 10_000) throws {
        self.config = config
        self.logger = logger
        self.clock = clock
        if let refusal = config.transportSecurityError { throw refusal }
        if let keys = config.curve {
            curve = (try CurveKeyPair(secretKey: try KeyFile.readSecret(keys.secretKeyFile)),
                     try KeyFile.readPublic(keys.coordinatorKeyFile))
        } else {
            curve = nil
            if config.insecure {
                let exposed = EndpointScope.exposed([config.coordinatorRouter, config.coordinatorPublisher])
                if exposed.isEmpty {
                    logger.warning("insecure: true is set; the coordinator is on loopback, so plain text stays on this host")
                } else {
                    logger.error("INSECURE: plain text to \(exposed.joined(separator: ", ")) (insecure: true): anyone on the path can pose as the coordinator and set this replica's split; configure curve: (README § Security)")
                }
            }
        }
        // Unique per process start: with the sequence it makes resends idempotent.
        epoch = UInt64(clamping: Int64((Date().timeIntervalSince1970 * 1_000_000_000).rounded()))
        reader = try SampleReader(RingConfiguration(
            name: config.ringName, model: config.model, version: config.version, capacity: config.ringCapacity,
            permissions: .ownerAndGroup))
        routePage = try RoutePage(name: config.routePageName, model: config.model, permissions: .ownerAndGroup)
        let builder = try WindowBuilder(
            agentID: config.agentID, agentEpoch: epoch, model: config.model, version: config.version,
            intervalMs: config.windowMs, settings: config.histogram, scoreEdges: config.scoreBinEdges,
            control: config.role == "control")
        spool = WindowSpool(directory: config.spoolDirectory ?? WindowSpool.defaultDirectory(forRing: config.ringName))
        let labels = LabelJoin(horizonNs: config.labelHorizonMs * 1_000_000, maxPending: config.labelMaxPending)
        state = AgentState(builder: builder, labels: labels, unackedCapacity: config.unackedCapacity, unackedMaxBytes: config.spoolMaxBytes,
                           health: AgentHealth(agentID: config.agentID, agentEpoch: epoch),
                           timeoutMs: config.coordinatorTimeoutMs, nowMs: clock(), ringFaultHoldMs: ringFaultHoldMs)
        hook = ApplyHook(command: config.applyCommand, file: config.applyFile, logger: logger)
    }

    public func health() async -> AgentHealth { await state.currentHealth(nowMs: clock()) }

    /// The port `/metrics` and `/healthz` listen on, once bound (a
    /// configured port 0 is picked by the OS); nil without a listener.
    public func metricsPort() async -> Int? {
        config.metricsPort == nil ? nil : await metricsBound.wait()
    }

    /// Waits until the sockets are connected (true) or `run()` failed (false).
    public func waitUntilRunning() async -> Bool { await started.wait() ?? false }

    public func run() async throws {
        let loop: SocketLoop
        do {
            loop = try await openSockets()
        } catch {
            started.set(false)
            metricsBound.set(nil)
            throw error
        }
        started.set(true)
        await resumeFromPredecessor()
        await claimRoutePage()
        logger.notice("agent \(config.agentID) epoch \(epoch): ring \(config.ringName), route page \(config.routePageName), coordinator \(config.coordinatorRouter)\(curve.map { ", CURVE key \($0.keyPair.publicKey)" } ?? "")")
        await introduce(on: loop)
        // Replies are read until the sockets close, after the final flush.
        let receiver = Task { await self.receive(from: loop) }
        var failure: (any Error)?
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.drainLoop(loop) }
                    group.addTask { try await self.housekeeping(loop) }
                    if let host = self.config.metricsHost, let port = self.config.metricsPort {
                        let server = AgentMetricsServer(agent: self, host: host, port: port, logger: self.logger)
                        group.addTask { try await server.run() }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        } catch is CancellationError {
        } catch {
            logger.error("agent stopped: \(error)")
            failure = error
        }
        await stop(loop)
        await receiver.value
        if let failure { throw failure }
    }

    private func stop(_ loop: SocketLoop) async {
        // Flush the open window and give it a moment to be acked; what is
        // still unacked then stays in the spool for the next agent.
        await drainOnce(loop)
        for window in await state.finish() { await send(window, on: loop) }
        defer { spool.close() }
        let deadline = clock() + 500
        var acked = await state.unacked.isEmpty
        while !acked && clock() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            acked = await state.unacked.isEmpty
        }
        // After the last window: the coordinator takes this agent out of the
        // fleet at once, so no rollout waits for it as a stale agent.
        if await state.introduced { await say(.goodbye(await state.goodbye(reason: "shutdown")), on: loop) }
        await loop.shutdown()
        if await state.unacked.isEmpty {
            // Everything consumed is acknowledged: a successor has nothing to
            // reconcile, and no file is left behind (proto/shm-layout.md §3.6).
            RingCheckpoint.remove(ring: config.ringName)
        } else {
            saveCheckpoint(position: await state.acknowledgedPosition)
        }
        let health = await state.health
        let spooled = health.unacked > 0 && spool.isOpen ? " (left in \(spool.directory) for the next agent)" : ""
        logger.notice("agent stopped: \(health.windowsSent) windows sent, \(health.windowsAcked) acked, \(health.unacked) unacked\(spooled), ring lost \(health.ringLost)")
    }

    private func openSockets() async throws -> SocketLoop {
        let config = self.config
        let identity = Array("\(config.agentID)#\(epoch)".utf8.prefix(255))
        let curve = self.curve
        return try await SocketLoop(
            configuration: .init(name: "canary.agent.zmq", shutdownLinger: .milliseconds(200)),
            sockets: [
                .init(Self.dealer, .dealer) { socket in
                    try socket.set(.routingID, identity)
                    // Queue only to a live connection: while the coordinator
                    // is away, windows wait in our bounded buffer instead.
                    try socket.set(.immediate, true)
                    try socket.set(.sendHighWaterMark, 1_000)
                    try socket.set(.reconnectInterval, .milliseconds(100))
                    try socket.set(.reconnectIntervalMax, .seconds(2))
                    try socket.set(.maxMessageSize, Int64(4 << 20))
                    // A peer without the coordinator's secret fails the handshake: nothing is sent to it.
                    if let curve { try socket.makeCurveClient(serverKey: curve.coordinatorKey, keyPair: curve.keyPair) }
                    try socket.connect(config.coordinatorRouter)
                },
                .init(Self.subscriber, .sub) { socket in
                    try socket.set(.reconnectInterval, .milliseconds(100))
                    try socket.set(.reconnectIntervalMax, .seconds(2))
                    try socket.set(.maxMessageSize, Int64(1 << 20))
                    try socket.subscribe(WireFormat.kindFrame(.routeTable))
                    // Only the coordinator's key can publish a table this agent applies.
                    if let curve { try socket.makeCurveClient(serverKey: curve.coordinatorKey, keyPair: curve.keyPair) }
                    try socket.connect(config.coordinatorPublisher)
                },
            ])
    }
}
