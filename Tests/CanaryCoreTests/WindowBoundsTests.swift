import Foundation
import Testing

@testable import CanaryCore

/// The crashing inputs of issue 11 at the level they trapped in, each now a
/// refusal with a reason: counts over 2⁵³, merges that would wrap, a
/// histogram export whose iterator overflowed.
@Suite("Window bounds")
struct WindowBoundsTests {
    static func window(_ version: String = "v1", requests: UInt64, micros: UInt64 = 20_000) -> Window {
        var w = try! Window.empty(model: "m", version: version, agentID: "a", startMs: 0, endMs: 1_000)
        w.requestCount = requests
        w.statuses = StatusCounts(ok: requests)
        w.latency.record(micros: micros, count: requests)
        return w
    }

    @Test("regression: a bucket count of 2^60 is refused, not recorded (it trapped the histogram iterator)")
    func bucketCountOf2To60() {
        #expect(throws: WindowError.self) {
            _ = try LatencyHistogram(settings: .fleetDefault, buckets: [LatencyBucket(valueMicros: 1_000, count: 1 << 60)])
        }
        do {
            _ = try LatencyHistogram(settings: .fleetDefault, buckets: [LatencyBucket(valueMicros: 1_000, count: 1 << 60)])
        } catch {
            #expect(error.code == .countOverflow)
        }
    }

    @Test("regression: exporting 2^52 values at 60 s does not trap (count × value overflowed recordedValues())")
    func exportOfLargeCountsAtHighValues() throws {
        let h = try LatencyHistogram(settings: .fleetDefault, buckets: [
            LatencyBucket(valueMicros: 59_000_000, count: 1 << 52), LatencyBucket(valueMicros: 7, count: 3),
        ])
        let buckets = h.buckets
        #expect(buckets.count == 2)
        #expect(buckets.map(\.count) == [3, 1 << 52])
        #expect(h.quantile(0.99) >= 59_000_000)
        let rebuilt = try LatencyHistogram(settings: .fleetDefault, buckets: buckets)
        #expect(rebuilt == h)
    }

    @Test("the bucket export is the same as before for ordinary data (export → import exact)")
    func exportMatchesOrdinaryData() throws {
        var rng = TestRNG(seed: 11)
        for _ in 0..<20 {
            var h = LatencyHistogram()
            for _ in 0..<200 { h.record(micros: rng.next() % 70_000_000, count: rng.next() % 50 + 1) }
            let buckets = h.buckets
            #expect(buckets.map(\.valueMicros) == buckets.map(\.valueMicros).sorted())
            #expect(buckets.map(\.count).reduce(0, +) == h.totalCount)
            #expect(try LatencyHistogram(settings: .fleetDefault, buckets: buckets, clampedCount: h.clampedCount) == h)
        }
    }

    @Test("regression: two valid windows whose merged total wraps are refused (it trapped valueAtPercentile)")
    func mergedTotalThatWraps() throws {
        // Each alone is within 2^53; their sum is not. (Built directly: the
        // wire refuses counts over 2^53, so this is the largest a peer can send.)
        let a = Self.window(requests: WindowBounds.maxCount)
        let b = Self.window(requests: 10)
        #expect(throws: WindowError.self) { _ = try a.merged(with: b) }
        do {
            try a.checkMerge(with: b)
            Issue.record("checkMerge accepted an overflowing merge")
        } catch {
            #expect(error.code == .countOverflow)
            #expect(error.message.contains("2^53"))
        }
        // Nothing was changed by the refused merge, and the quantile still answers.
        var c = a
        #expect(throws: WindowError.self) { try c.merge(b) }
        #expect(c == a)
        #expect(c.latency.quantile(0.5) >= 20_000)
    }

    @Test("a merge within 2^53 succeeds and its every count is the sum")
    func mergeWithinBounds() throws {
        let half = WindowBounds.maxCount / 2
        let m = try Self.window(requests: half).merged(with: Self.window(requests: half))
        #expect(m.requestCount == 2 * half)
        #expect(m.latency.totalCount == 2 * half)
        #expect(m.countsProblem() == nil)
    }

    @Test("prediction classes and score bins are bounded in a merge")
    func classesAndScores() throws {
        var a = Self.window(requests: 1)
        var b = Self.window(requests: 1)
        a.predictionCounts = Dictionary(uniqueKeysWithValues: (0..<Int32(WindowBounds.maxMergedPredictionClasses)).map { ($0, 1) })
        b.predictionCounts = [-1: 1]
        do {
            try a.checkMerge(with: b)
            Issue.record("a merge over the class limit was accepted")
        } catch {
            #expect(error.code == .tooManyClasses)
        }
        var s1 = try ScoreBins(edges: [0.5], counts: [WindowBounds.maxCount, 0])
        let s2 = try ScoreBins(edges: [0.5], counts: [1, 0])
        #expect(throws: WindowError.self) { try s1.merge(s2) }
        #expect(throws: WindowError.self) { _ = try ScoreBins(edges: [0.5], counts: [UInt64.max, 1]) }
    }

    @Test("countsProblem names contradictions a journal snapshot could carry")
    func countsProblem() {
        var w = Self.window(requests: 10)
        #expect(w.countsProblem() == nil)
        w.statuses.serverError = UInt64.max - 4
        #expect(w.countsProblem() != nil)
        w = Self.window(requests: 10)
        w.requestCount = 11
        #expect(w.countsProblem()?.contains("latencies") == true || w.countsProblem()?.contains("statuses") == true)
    }

    @Test("a plan threshold or tolerance too large for UInt64 saturates instead of trapping")
    func judgeConversionsSaturate() {
        #expect(Judge.micros(.nan) == 0)
        #expect(Judge.micros(-5) == 0)
        #expect(Judge.micros(1e30) == .max)
        #expect(Judge.micros(.infinity) == .max)
        #expect(Judge.micros(1_500.7) == 1_500)
    }
}

/// The agent's side: hostile ring data never builds a window the
/// coordinator would refuse.
@Suite("Window builder bounds")
struct WindowBuilderBoundsTests {
    @Test("a ring writing thousands of class ids keeps each window within the class limit, counting the rest")
    func classesAreCapped() throws {
        var builder = try WindowBuilder(agentID: "a", model: "m", version: "v1", intervalMs: 1_000, maxPredictionClasses: 8)
        for i in 0..<100 {
            var sample = Sample(kind: .inference, status: .ok, timestampNs: 1_000_000_000 + Int64(i), latencyNs: 1_000_000, key: UInt64(i))
            sample.predictedClass = Int32(i)
            _ = builder.add(sample)
        }
        let windows = builder.finish()
        #expect(windows.count == 1)
        #expect(windows[0].requestCount == 100)
        #expect(windows[0].predictionCounts.count == 8)
        #expect(builder.droppedPredictions == 92)
    }

    @Test("timestamps far from the agent's clock are not plausible")
    func plausibleTimestamps() {
        let now: Int64 = 1_764_000_000_000
        func sample(ms: Int64) -> Sample {
            Sample(kind: .inference, status: .ok, timestampNs: ms &* 1_000_000, latencyNs: 1, key: 1)
        }
        #expect(WindowBuilder.isPlausible(sample(ms: now), nowMs: now))
        #expect(WindowBuilder.isPlausible(sample(ms: now - 3_600_000), nowMs: now))
        #expect(!WindowBuilder.isPlausible(sample(ms: now + 3_600_000), nowMs: now))
        #expect(!WindowBuilder.isPlausible(sample(ms: now - 2 * 86_400_000), nowMs: now))
        #expect(!WindowBuilder.isPlausible(Sample(kind: .inference, status: .ok, timestampNs: .max, latencyNs: 1, key: 1), nowMs: now))
        #expect(!WindowBuilder.isPlausible(Sample(kind: .inference, status: .ok, timestampNs: .min, latencyNs: 1, key: 1), nowMs: now))
    }
}
