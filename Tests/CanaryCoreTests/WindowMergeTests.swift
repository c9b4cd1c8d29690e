import Foundation
import PropertyBased
import Testing

@testable import CanaryCore

@Suite("Windows merge exactly")
struct WindowMergeTests {
    @Test func mergeIsCommutative() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = TestRNG(seed: UInt64(seed))
            let a = Fixture.random(&rng)
            let b = Fixture.random(&rng)
            let ab = try a.merged(with: b)
            let ba = try b.merged(with: a)
            #expect(ab == ba)
        }
    }

    @Test func mergeIsAssociative() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = TestRNG(seed: UInt64(seed))
            let a = Fixture.random(&rng)
            let b = Fixture.random(&rng)
            let c = Fixture.random(&rng)
            let left = try a.merged(with: b).merged(with: c)
            let right = try a.merged(with: b.merged(with: c))
            #expect(left == right)
        }
    }

    @Test func emptyWindowIsTheIdentityForCounts() async {
        await propertyCheck(count: 20, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = TestRNG(seed: UInt64(seed))
            let a = Fixture.random(&rng)
            var empty = try Window.empty(model: a.model, version: a.version, agentID: a.agentID, settings: Fixture.smallHistogram, scoreEdges: [0.25, 0.5, 0.75])
            empty.startMs = .max
            empty.endMs = .min
            let merged = try a.merged(with: empty)
            #expect(merged == a)
        }
    }

    @Test func mergeAddsEveryCount() async {
        await propertyCheck(count: 30, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = TestRNG(seed: UInt64(seed))
            let a = Fixture.random(&rng)
            let b = Fixture.random(&rng)
            let m = try a.merged(with: b)
            #expect(m.requestCount == a.requestCount + b.requestCount)
            #expect(m.statuses == a.statuses + b.statuses)
            #expect(m.latency.totalCount == a.latency.totalCount + b.latency.totalCount)
            #expect(m.labeledCount == a.labeledCount + b.labeledCount)
            #expect(m.correctCount == a.correctCount + b.correctCount)
            #expect(m.unmatchedCount == a.unmatchedCount + b.unmatchedCount)
            #expect(m.scores.total == a.scores.total + b.scores.total)
            let predicted: UInt64 = m.predictionCounts.values.reduce(0, +)
            let predictedA: UInt64 = a.predictionCounts.values.reduce(0, +)
            let predictedB: UInt64 = b.predictionCounts.values.reduce(0, +)
            #expect(predicted == predictedA + predictedB)
            #expect(m.ringLost == a.ringLost + b.ringLost)
        }
    }

    @Test func histogramExportImportIsExact() async throws {
        await propertyCheck(count: 15, input: Gen.int(in: 1...60_000_000).array(of: 0...100)) { values in
            var h = LatencyHistogram()
            for v in values { h.record(micros: UInt64(v)) }
            let copy = try LatencyHistogram(settings: h.settings, buckets: h.buckets, clampedCount: h.clampedCount)
            #expect(copy == h)
            #expect(copy.buckets == h.buckets)
            #expect(copy.quantile(0.99) == h.quantile(0.99))
            let json = try JSONDecoder().decode(LatencyHistogram.self, from: JSONEncoder().encode(h))
            #expect(json == h)
        }
    }

    @Test func windowJSONRoundTrips() throws {
        var rng = TestRNG(seed: 7)
        let w = Fixture.random(&rng)
        let decoded = try JSONDecoder().decode(Window.self, from: JSONEncoder().encode(w))
        #expect(decoded == w)
    }

    @Test func mismatchedHistogramSettingsAreRefusedNotTrapped() throws {
        let a = try Window.empty(model: "m", version: "v1")
        var b = try Window.empty(model: "m", version: "v1", settings: HistogramSettings(lowestMicros: 1, highestMicros: 60_000_000, significantDigits: 3))
        b.latency.record(micros: 500)
        #expect(throws: WindowError.self) { try a.merged(with: b) }
        do {
            _ = try a.merged(with: b)
        } catch {
            #expect(error.code == .histogramSettingsMismatch)
        }
        var c = try Window.empty(model: "m", version: "v1", settings: HistogramSettings(lowestMicros: 10, highestMicros: 60_000_000, significantDigits: 3))
        c.latency.record(micros: 500)
        #expect(throws: WindowError.self) { try a.merged(with: c) }
    }

    @Test func mismatchedScoreEdgesAndIdentityAreRefused() throws {
        let a = try Window.empty(model: "m", version: "v1", scoreEdges: [0.5])
        let b = try Window.empty(model: "m", version: "v1", scoreEdges: [0.4])
        do {
            _ = try a.merged(with: b)
            Issue.record("merge should have thrown")
        } catch {
            #expect(error.code == .scoreEdgesMismatch)
        }
        let other = try Window.empty(model: "m", version: "v2", scoreEdges: [0.5])
        #expect(throws: WindowError.self) { try a.merged(with: other) }
    }

    @Test func invalidSettingsAndBucketsAreErrors() {
        #expect(throws: WindowError.self) { try LatencyHistogram(settings: HistogramSettings(lowestMicros: 0, highestMicros: 10, significantDigits: 3)) }
        #expect(throws: WindowError.self) { try LatencyHistogram(settings: HistogramSettings(lowestMicros: 1, highestMicros: 1000, significantDigits: 9)) }
        #expect(throws: WindowError.self) { try LatencyHistogram(settings: .fleetDefault, buckets: [LatencyBucket(valueMicros: 90_000_000, count: 1)]) }
        #expect(throws: WindowError.self) { try ScoreBins(edges: [0.5, 0.4]) }
    }

    @Test func outOfRangeLatencyIsClampedAndCounted() {
        var h = LatencyHistogram()
        h.record(micros: 120_000_000)
        #expect(h.totalCount == 1)
        #expect(h.clampedCount == 1)
    }

    @Test func scoreBinsUseHalfOpenIntervals() throws {
        var bins = try ScoreBins(edges: [0.5, 0.8])
        for s: Float in [0.1, 0.5, 0.79, 0.8, 0.99] { bins.record(s) }
        #expect(bins.counts == [1, 2, 2])
    }
}

@Suite("WindowBuilder")
struct WindowBuilderTests {
    @Test func closesWindowsOnIntervalBoundaries() throws {
        var builder = try WindowBuilder(agentID: "a", agentEpoch: 3, model: "m", version: "v1", intervalMs: 1000)
        var closed: [Window] = []
        for t: Int64 in [100, 900, 999, 1000, 1500, 3200] {
            closed += builder.add(Sample(timestampNs: t * 1_000_000, latencyNs: 5_000_000, key: UInt64(t)))
        }
        #expect(closed.map(\.startMs) == [0, 1000])
        #expect(closed.map(\.requestCount) == [3, 2])
        #expect(closed.map(\.sequence) == [1, 2])
        #expect(closed.allSatisfy { $0.agentEpoch == 3 && $0.endMs - $0.startMs == 1000 })
        #expect(builder.flush(nowMs: 3999).isEmpty)
        let last = builder.flush(nowMs: 4000)
        #expect(last.map(\.startMs) == [3000])
        #expect(builder.finish().isEmpty)
    }

    @Test func lateOutcomesCountInTheOpenWindow() throws {
        var builder = try WindowBuilder(agentID: "a", model: "m", version: "v1")
        _ = builder.add(Sample(timestampNs: 5_000_000_000, predictedClass: 1))
        _ = builder.add(Sample(kind: .outcome, timestampNs: 1_000_000_000, label: 1, correct: true))
        _ = builder.add(Sample(kind: .outcome, timestampNs: 1_000_000_000, correct: false))
        builder.recordRingLoss(lost: 4, overrun: 1)
        let w = try #require(builder.finish().first)
        #expect(w.requestCount == 1)
        #expect(w.labeledCount == 2)
        #expect(w.correctCount == 1)
        #expect(w.ringLost == 4 && w.ringOverrun == 1)
    }
}

@Suite("RouteHash")
struct RouteHashTests {
    @Test func bucketsAreInRangeStickyAndUniform() {
        var canary = 0
        for key in UInt64(0)..<100_000 {
            let b = RouteHash.bucket(key)
            #expect(b < 1_000_000)
            if RouteHash.isCanary(key, canaryPPM: 100_000) {
                canary += 1
                // Sticky: a key in the canary at 10 % stays there at 50 %.
                #expect(RouteHash.isCanary(key, canaryPPM: 500_000))
            }
        }
        #expect((9_500...10_500).contains(canary))
    }

    @Test func testVectors() {
        // The vectors of proto/shm-layout.md §8 (the C route page's hash).
        #expect(RouteHash.mix(0) == 0xE220_A839_7B1D_CDAF)
        #expect(RouteHash.bucket(0) == 883_310)
        #expect(RouteHash.mix(1) == 0x910A_2DEC_8902_5CC1)
        #expect(RouteHash.bucket(1) == 566_561)
        #expect(RouteHash.mix(42) == 0xBDD7_3226_2FEB_6E95)
        #expect(RouteHash.bucket(42) == 741_564)
        #expect(RouteHash.bucket(.max) == 893_942)
    }
}
