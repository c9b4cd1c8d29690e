import CanaryAPI
import CanaryConfig
import CanaryCore
import CanaryHTTP
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import ZeroMQ

/// The coordinator daemon: its journal and engine, and the services that
/// run them — the wire (ZeroMQ ROUTER/PUB), the ticker, the webhook
/// notifier and the HTTP server — for the one `ServiceGroup` that runs them
/// (``services()``; `canary coordinator` adds its signal handling, and
/// ``run()`` is the same group for in-process use).
public final class Coordinator: Sendable {
    /// Where it listens, known once everything is bound.
    public struct Endpoints: Sendable, Equatable {
        public let router: String
        public let publisher: String
        public let httpPort: Int
        public var httpURL: String { "http://127.0.0.1:\(httpPort)" }

        public init(router: String, publisher: String, httpPort: Int) {
            self.router = router
            self.publisher = publisher
            self.httpPort = httpPort
        }
    }

    public let config: CoordinatorConfig
    public let engine: CoordinatorEngine
    /// Every open HTTP connection: the limit, who is evicted or refused (`/metrics`).
    public let httpGate: ConnectionGate
    let httpPolicy: ConnectionPolicy
    /// Where to write a ``CoordinatorReadyFile`` once bound (nil: nowhere).
    public let readyFile: String?
    let logger: Logger
    /// The wall and monotonic clocks every service reads (RunClock.swift).
    let clock: @Sendable () -> ClockReading
    private let bound = OnceValue<Endpoints>()
    /// The group ``run()`` runs, for ``shutdown()``; true once asked to stop.
    private let running = Mutex<(group: ServiceGroup?, stopping: Bool)>((nil, false))

    public init(config: CoordinatorConfig, logger: Logger, readyFile: String? = nil,
                clock: @escaping @Sendable () -> ClockReading = ClockReading.now) throws {
        self.config = config
        self.logger = logger
        self.readyFile = readyFile
        self.clock = clock
        if let issue = config.missingTokenIssue {
            throw ConfigError(file: "coordinator config", message: issue)
        }
        httpPolicy = Self.httpPolicy(config.httpLimits)
        let descriptors = FileDescriptorLimit.raiseSoftLimit()
        let limit = httpPolicy.effectiveMaxConnections(fileDescriptorLimit: descriptors)
        if limit < config.httpLimits.maxConnections {
            logger.warning("http.max_connections \(config.httpLimits.maxConnections) lowered to \(limit): this process may open \(descriptors) files (ulimit -n) and HTTP takes at most half")
        }
        httpGate = ConnectionGate(limit: limit, maxLingeringRefusals: httpPolicy.maxLingeringRefusals)
        if let refusal = config.transportSecurityError { throw refusal }
        Self.warnIfInsecure(config, logger: logger)
        let allowList = try config.curve.map { curve throws(ConfigError) in try AllowListStore(path: curve.allowList, logger: logger) }
        let journal = try Journal(path: config.journalPath)
        engine = try CoordinatorEngine(config: config, journal: journal, logger: logger, now: clock(), allowList: allowList)
    }

    /// Waits until the sockets and the HTTP server are bound; nil if they never will be.
    public func endpoints() async -> Endpoints? { await bound.wait() }

    /// The coordinator's services, in start order; a group shuts them down
    /// in reverse: HTTP first (open requests finish), webhooks, the ticker
    /// (its last flush counts and acks what arrived), the wire last. Binds
    /// the ZeroMQ sockets now (and throws when it cannot); HTTP binds when
    /// the group runs.
    public func services() async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let loop: SocketLoop
        let wire: (router: String, publisher: String)
        var security: WireSecurity?
        do {
            if let curve = config.curve, let store = engine.allowList {
                security = try await WireSecurity.start(curve: curve, store: store, clock: clock)
            }
            loop = try await WirePump.open(config: config, security: security)
            wire = try await WirePump.boundEndpoints(loop)
        } catch {
            await security?.stop()
            bound.set(nil)
            throw error
        }
        logger.notice("coordinator epoch \(engine.epoch) incarnation \(engine.incarnation): ROUTER \(wire.router), PUB \(wire.publisher), journal \(config.journalPath)")
        if let security, let store = engine.allowList {
            logger.notice("CURVE on both sockets: server key \(security.keyPair.publicKey) (fingerprint \(KeyFingerprint.of(security.keyPair.publicKey))), \(store.current.entries.count) agent keys allowed by \(store.path)")
        }
        let pump = WirePump(loop: loop, engine: engine, logger: logger)
        let drained = OnceValue<Bool>()
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: WireService(pump: pump, clock: clock, drained: drained, security: security)),
            .init(service: Ticker(engine: engine, pump: pump, tickMs: config.tickMs, clock: clock, drained: drained)),
            .init(service: NotifierService(notifier: engine.notifier)),
            .init(service: HTTPService(application: application(pump: pump, wire: wire), events: engine.events)),
        ]
        if let store = engine.allowList, let curve = config.curve {
            services.append(.init(service: AllowListWatcher(store: store, checkMs: curve.reloadCheckMs, logger: logger)))
        }
        return services
    }

    /// `insecure: true` with an endpoint off loopback: said at every start, at error level.
    static func warnIfInsecure(_ config: CoordinatorConfig, logger: Logger) {
        guard config.curve == nil, config.insecure else { return }
        let exposed = EndpointScope.exposed([config.routerEndpoint, config.publishEndpoint])
        if exposed.isEmpty {
            logger.warning("insecure: true is set; the endpoints are loopback, so plain text stays on this host")
        } else {
            logger.error("INSECURE: plain text on \(exposed.joined(separator: ", ")) (insecure: true): anyone who reaches these ports can pose as an agent and steer rollouts, or pose as this coordinator; configure curve: (README § Security)")
        }
    }

    /// Runs ``services()`` in a group of their own until one fails or the
    /// task is cancelled (tests, benchmarks: in-process coordinators).
    public func run() async throws {
        defer { bound.set(nil) }
        let group = ServiceGroup(configuration: .init(services: try await services(), logger: logger))
        if running.withLock({ running in
            running.group = group
            return running.stopping
        }) {
            await group.triggerGracefulShutdown()
        }
        do {
            try await group.run()
        } catch {
            logger.error("coordinator stopped: \(error)")
            throw error
        }
        logger.notice("coordinator stopped")
    }

    /// Stops ``run()`` as SIGTERM stops `canary coordinator`: HTTP first,
    /// then webhooks, the last flush, the sockets. (Cancelling the task
    /// stops it too, with the same flush before the sockets close, but the
    /// HTTP server then logs the cancellation of its connections.)
    public func shutdown() async {
        let group = running.withLock { running in
            running.stopping = true
            return running.group
        }
        await group?.triggerGracefulShutdown()
    }

    private func application(pump: WirePump, wire: (router: String, publisher: String)) -> some Service {
        let router = CoordinatorRouter.make(engine: engine, pump: pump, token: config.apiToken, gate: httpGate, clock: clock)
        let config = config, logger = logger, bound = bound, readyFile = readyFile, epoch = engine.epoch
        return Application(
            router: router,
            server: .guardedHTTP1(policy: httpPolicy, gate: httpGate),
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "canary-coordinator"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.httpPort
                logger.notice("HTTP API and dashboard on http://\(config.httpHost):\(port)")
                let endpoints = Endpoints(router: wire.router, publisher: wire.publisher, httpPort: port)
                if let readyFile {
                    do {
                        try CoordinatorReadyFile(router: endpoints.router, publisher: endpoints.publisher,
                                                 httpURL: endpoints.httpURL, httpPort: port, epoch: epoch).write(to: readyFile)
                    } catch {
                        logger.error("could not write the ready file \(readyFile): \(error)")
                    }
                }
                bound.set(endpoints)
            },
            logger: logger)
    }

    /// The `http:` limits as CanaryHTTP applies them, refusing in the API's error envelope.
    static func httpPolicy(_ limits: HTTPLimits) -> ConnectionPolicy {
        let message = "too many open connections (the limit is \(limits.maxConnections); each request in progress "
            + "and each event stream holds one): retry after a second"
        let body = (try? EventHub.encoder.encode(ErrorEnvelope(CoordinatorError(.unavailable, message))))
            .map { String(decoding: $0, as: UTF8.self) }
        return ConnectionPolicy(
            headerTimeout: .milliseconds(limits.headerTimeoutMs), bodyTimeout: .milliseconds(limits.bodyTimeoutMs),
            idleTimeout: .milliseconds(limits.idleTimeoutMs), maxConnections: limits.maxConnections, refusalBody: body)
    }
}
