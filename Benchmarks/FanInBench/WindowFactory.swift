import CanaryCore
import CanaryWire

/// Realistic 1 s windows: a thousand requests per window whose latencies fill
/// about a hundred histogram buckets, as a busy replica's would.
enum WindowFactory {
    static let model = "bench-model"
    static let baseline = "v1"
    static let canary = "v2"

    /// A healthy window template for `version` (identity fields filled per send).
    static func healthy(version: String) -> Canary_V1_Window {
        var latency = LatencyHistogram()
        var requests: UInt64 = 0
        // Log-spaced latencies from 2 ms to ~400 ms: ~100 distinct buckets.
        for i in 0..<110 {
            let micros = UInt64(2_000 * pow(1.05, Double(i)))
            let count = UInt64(max(1, 20 - abs(i - 40) / 4))
            latency.record(micros: micros, count: count)
            requests += count
        }
        let window = Window(agentID: "template", model: model, version: version, startMs: 0, endMs: 1_000,
                            requestCount: requests, statuses: StatusCounts(ok: requests - 2, serverError: 2),
                            latency: latency)
        return Canary_V1_Window(window)
    }

    /// A canary burst of server errors large enough to trip an absolute
    /// error-rate limit over any amount of healthy traffic in the window.
    static func burst(agentID: String, epoch: UInt64, sequence: UInt64, nowMs: Int64) -> Canary_V1_Window {
        let requests: UInt64 = 50_000_000
        var latency = LatencyHistogram()
        latency.record(micros: 30_000, count: requests)
        let window = Window(agentID: agentID, agentEpoch: epoch, sequence: sequence, model: model, version: canary,
                            startMs: nowMs - 1_000, endMs: nowMs, requestCount: requests,
                            statuses: StatusCounts(serverError: requests), latency: latency)
        return Canary_V1_Window(window)
    }

    static func hello(agentID: String, epoch: UInt64, version: String) -> Canary_V1_Hello {
        var hello = Canary_V1_Hello()
        hello.agentID = agentID
        hello.agentEpoch = epoch
        hello.host = "fanin-bench"
        hello.model = model
        hello.version = version
        return hello
    }

    static func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= base }
        return result
    }
}
