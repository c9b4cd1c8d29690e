import CanaryCore
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import ZeroMQ

/// The coordinator daemon: journal, engine, ZeroMQ sockets and the HTTP
/// server, run as one `Service` (SIGTERM in a `ServiceGroup` stops it
/// gracefully; so does cancelling the task that runs it).
public final class Coordinator: Service, Sendable {
    /// Where it listens, known once `run()` has bound everything.
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
    let logger: Logger
    let clock: @Sendable () -> Int64
    private let bound = OnceValue<Endpoints>()

    public init(config: CoordinatorConfig, logger: Logger, clock: @escaping @Sendable () -> Int64 = Coordinator.wallClockMs) throws {
        self.config = config
        self.logger = logger
        self.clock = clock
        let journal = try Journal(path: config.journalPath)
        engine = try CoordinatorEngine(config: config, journal: journal, logger: logger, nowMs: clock())
    }

    /// Waits until the sockets and the HTTP server are bound; nil if `run()` failed first.
    public func endpoints() async -> Endpoints? { await bound.wait() }

    public func run() async throws {
        let loop: SocketLoop
        let wire: (router: String, publisher: String)
        do {
            loop = try await WirePump.open(config: config)
            wire = try await WirePump.boundEndpoints(loop)
        } catch {
            bound.set(nil)
            throw error
        }
        let pump = WirePump(loop: loop, engine: engine, logger: logger)
        let router = CoordinatorRouter.make(engine: engine, pump: pump, token: config.apiToken, clock: clock)
        let engine = self.engine
        let clock = self.clock
        let config = self.config
        let logger = self.logger
        let bound = self.bound
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "canary-coordinator"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.httpPort
                logger.notice("HTTP API and dashboard on http://\(config.httpHost):\(port)")
                bound.set(Endpoints(router: wire.router, publisher: wire.publisher, httpPort: port))
            },
            logger: logger)
        logger.notice("coordinator epoch \(engine.epoch): ROUTER \(wire.router), PUB \(wire.publisher), journal \(config.journalPath)")
        defer { bound.set(nil) }
        let failure: (any Error)? = await cancelWhenGracefulShutdown {
            await withTaskGroup(of: (any Error)?.self) { group in
                group.addTask {
                    await pump.pump(clock: clock)
                    return nil
                }
                group.addTask {
                    // Windows are counted in small batches (one journal
                    // transaction each); time-driven work runs every tick.
                    var lastTick: Int64 = 0
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: .milliseconds(20)) } catch { return nil }
                        let now = clock()
                        pump.send(await engine.flush(nowMs: now))
                        if now - lastTick >= config.tickMs {
                            lastTick = now
                            pump.send(await engine.tick(nowMs: now))
                        }
                    }
                    return nil
                }
                group.addTask {
                    // Webhook deliveries: off the decision path, until cancelled.
                    await engine.notifier.run()
                    return nil
                }
                group.addTask {
                    // The HTTP server stops through graceful shutdown, not
                    // cancellation, so open requests finish and nothing logs
                    // a spurious error: it runs outside this task tree.
                    let server = ServiceGroup(configuration: .init(services: [app], logger: logger))
                    let running = Task { try await server.run() }
                    await withTaskCancellationHandler {
                        _ = try? await running.value
                    } onCancel: {
                        Task { await server.triggerGracefulShutdown() }
                    }
                    do { try await running.value } catch { return error }
                    return nil
                }
                // The first task to end (an error, or cancellation) ends all:
                // count what already arrived, then close the sockets, which
                // also ends the pump.
                let first = await group.next() ?? nil
                group.cancelAll()
                pump.send(await engine.flush(nowMs: clock()))
                await loop.shutdown()
                return first
            }
        }
        engine.events.close()
        if let failure {
            logger.error("coordinator stopped: \(failure)")
            throw failure
        }
        logger.notice("coordinator stopped")
    }

    public static let wallClockMs: @Sendable () -> Int64 = {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
