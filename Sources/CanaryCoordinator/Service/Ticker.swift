import CanaryCore
import ServiceLifecycle

/// Time for the engine: every 20 ms the staged windows are counted (one
/// journal transaction) and acked; every `tickMs` the time-driven work runs
/// (staleness, bake time, deadlines, republication).
///
/// At shutdown, graceful or cancelled, it counts and acks what already
/// arrived, then tells the wire service, which closes the sockets only then.
struct Ticker: Service {
    let engine: CoordinatorEngine
    let pump: WirePump
    let tickMs: Int64
    let clock: @Sendable () -> Int64
    /// Set once the last flush was sent.
    let drained: OnceValue<Bool>

    func run() async {
        let engine = engine, pump = pump, tickMs = tickMs, clock = clock
        await cancelWhenGracefulShutdown {
            var lastTick: Int64 = 0
            while !Task.isCancelled {
                do { try await Task.sleep(for: .milliseconds(20)) } catch { return }
                let now = clock()
                pump.send(await engine.flush(nowMs: now))
                if now - lastTick >= tickMs {
                    lastTick = now
                    pump.send(await engine.tick(nowMs: now))
                }
            }
        }
        pump.send(await engine.flush(nowMs: clock()))
        drained.set(true)
    }
}
