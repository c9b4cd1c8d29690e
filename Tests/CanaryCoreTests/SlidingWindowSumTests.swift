import PropertyBased
import Testing

@testable import CanaryCore

@Suite("Analysis window aggregation")
struct SlidingWindowSumTests {
    @Test func equalsTheNaiveMergeOfTheWindowsStillInside() async {
        await propertyCheck(count: 8, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = TestRNG(seed: UInt64(seed))
            var sliding = SlidingWindowSum()
            var all: [(Int64, Window)] = []
            for step in 0..<20 {
                let t = Int64(step) * 1000
                let w = Fixture.random(&rng)
                sliding.append(w, at: t)
                all.append((t, w))
                let cutoff = t - Int64(rng.next() % 5) * 1000
                sliding.evict(before: cutoff)
                all.removeAll { $0.0 < cutoff }
                var naive: Window?
                for (_, w) in all { naive = try naive.map { try $0.merged(with: w) } ?? w }
                let sum = sliding.sum
                #expect(sum?.requestCount == naive?.requestCount)
                #expect(sum?.latency == naive?.latency)
                #expect(sum?.statuses == naive?.statuses)
            }
        }
    }
}
