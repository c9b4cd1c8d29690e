import Hummingbird

/// `GET /metrics`: the Prometheus text exposition format (version 0.0.4).
struct MetricsRoute: Sendable {
    let engine: CoordinatorEngine
    let clock: @Sendable () -> ClockReading
    /// The HTTP connection gate's series, when the router serves a live listener.
    var connections: HTTPConnectionMetrics?

    func register(on router: Router<BasicRequestContext>) {
        router.get("metrics") { _, _ in
            connections?.record(into: engine.metrics.registry)
            let text = await engine.metrics.render(engine: engine, nowMs: clock().wallMs)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
