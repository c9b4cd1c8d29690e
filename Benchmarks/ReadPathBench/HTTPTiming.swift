import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Times GET requests against a live coordinator on loopback.
enum HTTPTiming {
    struct Result {
        let millis: [Double]
        let bytes: Int
        var p50: Double { percentile(0.50) }
        var p99: Double { percentile(0.99) }
        var mean: Double { millis.reduce(0, +) / Double(max(1, millis.count)) }

        func percentile(_ q: Double) -> Double {
            let sorted = millis.sorted()
            guard !sorted.isEmpty else { return .nan }
            return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q + 0.5))]
        }
    }

    static func get(_ url: String) async throws -> Data {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 30)
        request.httpMethod = "GET"
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw ProbeError("GET \(url): HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
        }
        return data
    }

    /// `count` sequential requests after `warmup` untimed ones.
    static func measure(_ url: String, count: Int, warmup: Int = 20) async throws -> Result {
        var bytes = 0
        for _ in 0..<warmup { bytes = try await get(url).count }
        var millis: [Double] = []
        for _ in 0..<count {
            let start = ContinuousClock.now
            bytes = try await get(url).count
            millis.append(Double((ContinuousClock.now - start) / .microseconds(1)) / 1_000)
        }
        return Result(millis: millis, bytes: bytes)
    }
}
