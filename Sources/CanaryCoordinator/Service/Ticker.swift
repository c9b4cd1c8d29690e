import CanaryCore
import ServiceLifecycle

/// Time for the engine: every 20 ms the staged windows are counted (one
/// journal transaction) and acked; every `tickMs` on the monotonic clock
/// the time-driven work runs (staleness, bake time, deadlines,
/// republication). These readings are also what keeps the engine's run
/// clock going: one arriving much later than 20 ms means the process was
/// stopped (RunClock.swift).
///
/// At shutdown, graceful or cancelled, it counts and acks what already
/// arrived, then tells the wire service, which closes the sockets only then.
struct Ticker: Service {
    let engine: CoordinatorEngine
    let pump: WirePump
    let tickMs: Int64
    let clock: @Sendable () -> ClockReading
    /// Set once the last flush was sent.
    let drained: OnceValue<Bool>

    func run() async {
        let engine = engine, pump = pump, tickMs = tickMs, clock = clock
        await cancelWhenGracefulShutdown {
            var lastTick: Int64 = .min / 2
            while !Task.isCancelled {
                do { try await Task.sleep(for: .milliseconds(20)) } catch { return }
                let now = clock()
                pump.send(await engine.flush(now: now))
                if now.monotonicMs - lastTick >= tickMs {
                    lastTick = now.monotonicMs
                    pump.send(await engine.tick(now: now))
                }
            }
        }
        pump.send(await engine.flush(now: clock()))
        drained.set(true)
    }
}
