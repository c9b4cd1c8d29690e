import Hummingbird

/// `GET /metrics`: the Prometheus text exposition format (version 0.0.4).
struct MetricsRoute: Sendable {
    let engine: CoordinatorEngine
    let clock: @Sendable () -> Int64

    func register(on router: Router<BasicRequestContext>) {
        router.get("metrics") { _, _ in
            let text = await engine.metrics.render(engine: engine, nowMs: clock())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
