import CanaryConfig
import Foundation
import ZeroMQ

/// CURVE for the coordinator's ROUTER and PUB: its server key pair, and the
/// ZAP handler that lets in only keys on the allow-list, on the one context
/// both sockets live on. The handler is bound before the sockets (libzmq
/// asks only a handler that exists when a peer connects) and stopped after
/// they closed.
struct WireSecurity: Sendable {
    let context: ZeroMQContext
    let zap: ZAPHandler
    let keyPair: CurveKeyPair

    static func start(curve: CoordinatorCurveConfig, store: AllowListStore,
                      clock: @escaping @Sendable () -> ClockReading) async throws -> WireSecurity {
        let secret = try KeyFile.readSecret(curve.secretKeyFile)
        let keyPair = try CurveKeyPair(secretKey: secret)
        let context = try ZeroMQContext()
        // Its log throttle is a duration: on the monotonic clock.
        let zap = try await ZAPHandler(context: context) { request in
            store.decide(request, nowMs: clock().monotonicMs)
        }
        return WireSecurity(context: context, zap: zap, keyPair: keyPair)
    }

    /// Makes `socket` a CURVE server of this key whose clients ZAP checks. Call before `bind`.
    func secure(_ socket: Socket) throws {
        try socket.makeCurveServer(secretKey: keyPair.secretKey, domain: AllowListStore.domain)
    }

    /// After the sockets closed: the ZAP thread, then the context (off the cooperative pool).
    func stop() async {
        await zap.stop()
        await context.terminateOnOwnThread()
    }
}
