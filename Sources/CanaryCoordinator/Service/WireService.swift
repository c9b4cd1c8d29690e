import CanaryCore
import ServiceLifecycle

/// The ZeroMQ side as a service: pumps the ROUTER into the engine until
/// shutdown, then closes the sockets, but only after the ticker's last
/// flush was queued, so windows that arrived before SIGTERM are counted,
/// journaled and acked before the sockets go (the group shuts services
/// down in reverse order, and on cancellation this waits for the ticker).
struct WireService: Service {
    let pump: WirePump
    let clock: @Sendable () -> ClockReading
    let drained: OnceValue<Bool>
    /// CURVE's ZAP handler and shared context, stopped after the sockets.
    var security: WireSecurity? = nil

    func run() async {
        let pump = pump, clock = clock
        await withDiscardingTaskGroup { group in
            group.addTask { await pump.pump(clock: clock) }
            // Returns at graceful shutdown, throws at cancellation: both end the wire.
            try? await gracefulShutdown()
            _ = await drained.wait()
            // Ends the pump's message stream, and with it the child task.
            await pump.loop.shutdown()
        }
        await security?.stop()
    }
}
