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
/// split and windows wait in the bounded unacked buffer. A `Service`: SIGTERM
/// in a `ServiceGroup` (or cancelling its task) flushes the open window and
/// stops within about a second.
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
    private let started = OnceValue<Bool>()

    /// Opens (or creates) the sample ring and the route page; the sockets
    /// are opened by `run()`.
    public init(config: AgentConfig, logger: Logger, clock: @escaping @Sendable () -> Int64 = Agent.wallClockMs) throws {
        self.config = config
        self.logger = logger
        self.clock = clock
        // Unique per process start: with the sequence it makes resends idempotent.
        epoch = UInt64(clamping: Int64((Date().timeIntervalSince1970 * 1_000_000_000).rounded()))
        reader = try SampleReader(RingConfiguration(
            name: config.ringName, model: config.model, version: config.version, capacity: config.ringCapacity,
            permissions: .ownerAndGroup))
        routePage = try RoutePage(name: config.routePageName, model: config.model, permissions: .ownerAndGroup)
        let builder = try WindowBuilder(
            agentID: config.agentID, agentEpoch: epoch, model: config.model, version: config.version,
            intervalMs: config.windowMs, settings: config.histogram, scoreEdges: config.scoreBinEdges)
        state = AgentState(builder: builder, unackedCapacity: config.unackedCapacity,
                           health: AgentHealth(agentID: config.agentID, agentEpoch: epoch),
                           timeoutMs: config.coordinatorTimeoutMs, nowMs: clock())
        hook = ApplyHook(command: config.applyCommand, file: config.applyFile, logger: logger)
    }

    public func health() async -> AgentHealth { await state.health }

    /// Waits until the sockets are connected (true) or `run()` failed (false).
    public func waitUntilRunning() async -> Bool { await started.wait() ?? false }

    public func run() async throws {
        let loop: SocketLoop
        do {
            loop = try await openSockets()
        } catch {
            started.set(false)
            throw error
        }
        started.set(true)
        await accountForPredecessor()
        logger.notice("agent \(config.agentID) epoch \(epoch): ring \(config.ringName), route page \(config.routePageName), coordinator \(config.coordinatorRouter)")
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
        // Flush the open window and give it a moment to be acked.
        await drainOnce(loop)
        for window in await state.finish() { await send(window, on: loop) }
        let deadline = clock() + 500
        var acked = await state.unacked.isEmpty
        while !acked && clock() < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            acked = await state.unacked.isEmpty
        }
        await loop.shutdown()
        let health = await state.health
        logger.notice("agent stopped: \(health.windowsSent) windows sent, \(health.windowsAcked) acked, \(health.unacked) unacked, ring lost \(health.ringLost)")
    }

    private func openSockets() async throws -> SocketLoop {
        let config = self.config
        let identity = Array("\(config.agentID)#\(epoch)".utf8.prefix(255))
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
                    try socket.connect(config.coordinatorRouter)
                },
                .init(Self.subscriber, .sub) { socket in
                    try socket.set(.reconnectInterval, .milliseconds(100))
                    try socket.set(.reconnectIntervalMax, .seconds(2))
                    try socket.set(.maxMessageSize, Int64(1 << 20))
                    try socket.subscribe(WireFormat.kindFrame(.routeTable))
                    try socket.connect(config.coordinatorPublisher)
                },
            ])
    }

    // MARK: - Ring → windows → coordinator

    /// Counts as lost what a previous agent of this ring consumed but never
    /// had acknowledged (it was killed): see ``RingCheckpoint``.
    private func accountForPredecessor() async {
        let position = reader.totals.position
        await state.attached(atPosition: position)
        if let checkpoint = RingCheckpoint.load(ring: config.ringName),
           checkpoint.ringCreatedNs == reader.createdNanoseconds, position > checkpoint.position {
            let lost = position - checkpoint.position
            _ = await state.add([], lost: lost, overrun: 0, malformed: 0, positionAfter: position)
            logger.warning("ring \(config.ringName): \(lost) samples read by the previous agent were never acknowledged (it stopped abruptly); counted as lost")
        }
        saveCheckpoint(position: await state.acknowledgedPosition)
    }

    private func saveCheckpoint(position: UInt64) {
        RingCheckpoint(ringCreatedNs: reader.createdNanoseconds, position: position).save(ring: config.ringName)
    }

    private func drainLoop(_ loop: SocketLoop) async throws {
        let pause = Duration.milliseconds(max(2, min(20, config.windowMs / 20)))
        while !Task.isCancelled {
            await drainOnce(loop)
            for window in await state.flush(nowMs: clock()) { await send(window, on: loop) }
            try await Task.sleep(for: pause)
        }
    }

    private func drainOnce(_ loop: SocketLoop) async {
        while true {
            let (records, result) = reader.drain(maxCount: 8_192)
            var samples: [Sample] = []
            samples.reserveCapacity(records.count)
            var malformed: UInt64 = 0
            for record in records {
                if let sample = Sample(record: record) { samples.append(sample) } else { malformed += 1 }
            }
            if malformed > 0 {
                logger.warning("ring \(config.ringName): \(malformed) records with unknown kind or status were skipped (counted as lost)")
            }
            let closed = await state.add(samples, lost: result.torn &+ result.abandoned, overrun: result.overrun,
                                         malformed: malformed, positionAfter: reader.totals.position)
            for window in closed { await send(window, on: loop) }
            if records.count < 8_192 { return }
        }
    }

    private func send(_ window: Window, on loop: SocketLoop) async {
        let frames = WireMessage.window(Canary_V1_Window(window)).encode()
        if let dropped = await state.track(window, frames: frames, nowMs: clock()) {
            logger.warning("unacked buffer full (\(config.unackedCapacity) windows): dropped window #\(dropped), the oldest")
        }
        _ = await trySend(frames, on: loop)
    }

    /// One non-blocking send on the loop thread: false when the coordinator
    /// is not connected (the message is then simply not sent; windows stay
    /// in the unacked buffer and are resent later).
    private func trySend(_ frames: [[UInt8]], on loop: SocketLoop) async -> Bool {
        do {
            try await loop.run { sockets in
                try sockets.socket(Self.dealer).send(multipart: frames, nonBlocking: true)
            }
            return true
        } catch {
            return false
        }
    }

    @discardableResult
    private func say(_ message: WireMessage, on loop: SocketLoop) async -> Bool {
        await trySend(message.encode(), on: loop)
    }

    /// Hello and a snapshot request. With ZMQ_IMMEDIATE a send before the
    /// connection is up fails, so housekeeping retries until both went out.
    private func introduce(on loop: SocketLoop) async {
        let sent = await say(hello(), on: loop)
        if sent { await say(.snapshotRequest(snapshotRequest()), on: loop) }
        await state.setIntroduced(sent)
    }

    // MARK: - Coordinator → agent

    private func receive(from loop: SocketLoop) async {
        for await message in loop.messages {
            let decoded: WireMessage
            do {
                decoded = try WireMessage.decode(message.frames)
            } catch {
                logger.warning("dropped a message from the coordinator: \(error)")
                continue
            }
            if await state.heard(nowMs: clock()) {
                await reconnected(loop)
            }
            switch decoded {
            case .ack(let ack):
                if ack.sequence > 0, ack.agentEpoch == epoch {
                    await state.acknowledge(ack.sequence, rejected: false)
                    saveCheckpoint(position: await state.acknowledgedPosition)
                }
            case .reject(let reject):
                logger.error("coordinator refused \(reject.sequence > 0 ? "window #\(reject.sequence)" : "this agent"): \(reject.reason): \(reject.message)")
                if reject.sequence > 0, reject.agentEpoch == epoch {
                    await state.acknowledge(reject.sequence, rejected: true)
                    saveCheckpoint(position: await state.acknowledgedPosition)
                }
            case .routeTable(let table):
                await follow(table, loop: loop)
            case .hello, .window, .heartbeat, .snapshotRequest:
                logger.warning("dropped a \(decoded.kind.name) from the coordinator: it never sends that kind")
            }
        }
    }

    private func follow(_ table: Canary_V1_RouteTable, loop: SocketLoop) async {
        guard table.model == config.model else { return }
        let action = await state.receiveTable(table)
        guard action != .ignore else { return }
        do {
            try routePage.write(RouteTable(
                epoch: table.epoch, sequence: table.sequence, phase: Self.pagePhase(table.phase),
                entries: table.weights.map { RouteEntry(version: $0.version, weightPPM: $0.weightPpm) }))
            await state.applied(table)
            logger.info("route table #\(table.sequence) applied: \(ApplyHook.weightsText(table)) (\(table.phase.name))")
            if !hook.isEmpty { hook.apply(table) }
        } catch {
            logger.error("route table #\(table.sequence) not applied, keeping the previous split: \(error)")
        }
        if action == .applyAndRequestSnapshot {
            await say(.snapshotRequest(snapshotRequest()), on: loop)
        }
    }

    private func reconnected(_ loop: SocketLoop) async {
        logger.notice("coordinator reachable: saying hello and resending unacked windows")
        await introduce(on: loop)
        // Windows sent in the last moments are probably being acked now.
        for frames in await state.resendDue(nowMs: clock(), olderThanMs: 250) {
            guard await trySend(frames, on: loop) else { break }
        }
    }

    // MARK: - Heartbeats, resends, silence

    private func housekeeping(_ loop: SocketLoop) async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(500))
            let now = clock()
            if await !state.introduced { await introduce(on: loop) }
            await say(.heartbeat(await state.heartbeat(nowMs: now)), on: loop)
            if await state.checkSilence(nowMs: now) {
                logger.warning("coordinator silent for more than \(config.coordinatorTimeoutMs) ms: keeping the last split (fail-static); windows wait for it")
            }
            if await !state.health.coordinatorSilent {
                for frames in await state.resendDue(nowMs: now, olderThanMs: 2_000) {
                    guard await trySend(frames, on: loop) else { break }
                }
            }
        }
    }

    private func hello() -> WireMessage {
        var hello = Canary_V1_Hello()
        hello.agentID = config.agentID
        hello.host = ProcessInfo.processInfo.hostName
        hello.model = config.model
        hello.version = config.version
        hello.role = Canary_V1_Role(name: config.role)
        hello.configDigest = config.digest
        hello.agentEpoch = epoch
        hello.protocolVersion = UInt32(WireFormat.protocolVersion)
        hello.softwareVersion = "0.1.0"
        hello.histogram = Canary_V1_HistogramSettings(config.histogram)
        hello.scoreBinEdges = config.scoreBinEdges.map(Double.init)
        hello.ringName = config.ringName
        hello.routePageName = config.routePageName
        return .hello(hello)
    }

    private func snapshotRequest() -> Canary_V1_SnapshotRequest {
        var request = Canary_V1_SnapshotRequest()
        request.agentID = config.agentID
        request.model = config.model
        return request
    }

    static func pagePhase(_ phase: Canary_V1_RolloutPhase) -> RoutePhase {
        switch phase {
        case .progressing: .progressing
        case .paused: .paused
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        case .aborted: .aborted
        case .pending, .steady, .unspecified, .UNRECOGNIZED: .pending
        }
    }

    public static let wallClockMs: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
