import Foundation
import Testing

@testable import CanaryCore

/// Late labels are judged against the prediction the same agent read for
/// their key, within a horizon and a bound on what is held.
@Suite("Label join")
struct LabelJoinTests {
    static let second: Int64 = 1_000_000_000

    func inference(_ key: UInt64, predicted: Int32, at s: Int64) -> Sample {
        Sample(timestampNs: s * Self.second, key: key, predictedClass: predicted)
    }

    func label(_ key: UInt64, _ label: Int32, at s: Int64) -> Sample {
        Sample(kind: .outcome, timestampNs: s * Self.second, key: key, label: label)
    }

    /// Samples through a join into one window.
    func window(_ samples: [Sample], join: inout LabelJoin) throws -> Window {
        var w = try Window.empty(model: "m", version: "v1")
        for sample in samples { w.record(join.pass(sample)) }
        return w
    }

    @Test("a label alone counts against the prediction of its key, once")
    func labelsJoinTheirPrediction() throws {
        var join = LabelJoin(horizonNs: 600 * Self.second, maxPending: 1_000)
        let inferences = (1...100).map { inference(UInt64($0), predicted: Int32($0 % 3), at: 0) }
        // 70 labels agree with the prediction, 30 do not; then one label again.
        let labels = (1...100).map { (key: Int) -> Sample in
            let truth = Int32(key % 3) + (key <= 70 ? 0 : 1)
            return label(UInt64(key), truth, at: 30)
        }
        let w = try window(inferences + labels + [label(5, 2, at: 31)], join: &join)
        #expect(w.requestCount == 100)
        #expect(w.labeledCount == 100)
        #expect(w.correctCount == 70)
        #expect(w.unmatchedCount == 1, "a second label for one key has no prediction left")
        #expect(w.predictionCounts.values.reduce(0, +) == 100, "outcomes add no predictions")
        #expect(join.matched == 100 && join.pendingCount == 0)
    }

    @Test("labels for unknown keys, key 0 and after the horizon are unmatched")
    func unmatchedOutcomes() throws {
        var join = LabelJoin(horizonNs: 60 * Self.second, maxPending: 1_000)
        let w = try window([
            inference(1, predicted: 4, at: 0),
            inference(2, predicted: 4, at: 0),
            inference(0, predicted: 4, at: 0),
            label(99, 4, at: 1),       // never served
            label(0, 4, at: 1),        // no key
            label(1, 4, at: 61),       // 61 s after its inference: past the horizon
            Sample(kind: .outcome, timestampNs: 62 * Self.second, key: 2), // says nothing
        ], join: &join)
        #expect(w.labeledCount == 0)
        #expect(w.unmatchedCount == 4)
        #expect(join.expired >= 1)
        #expect(join.pendingCount == 0, "key 2's prediction expired at the horizon too")
    }

    @Test("self-contained outcomes and labels known at inference are judged without the join")
    func selfContained() throws {
        var join = LabelJoin(horizonNs: 60 * Self.second, maxPending: 0)
        let w = try window([
            Sample(timestampNs: 0, key: 7, predictedClass: 3, label: 3),            // labeled at inference
            Sample(timestampNs: 0, key: 8, predictedClass: 3, label: 1),
            Sample(kind: .outcome, timestampNs: 1, key: 9, predictedClass: 2, label: 2), // carries its prediction
            Sample(kind: .outcome, timestampNs: 1, key: 10, correct: false),
            label(7, 3, at: 1),                                                       // no join: unmatched
        ], join: &join)
        #expect(w.labeledCount == 4)
        #expect(w.correctCount == 2)
        #expect(w.unmatchedCount == 1)
        #expect(join.pendingCount == 0)
    }

    @Test("never more than max_pending predictions are held; the oldest go first")
    func boundedByMaxPending() throws {
        var join = LabelJoin(horizonNs: 3_600 * Self.second, maxPending: 50)
        var most = 0
        for key in 1...500 {
            _ = join.pass(inference(UInt64(key), predicted: 1, at: 0))
            most = max(most, join.pendingCount)
            // A key predicted again replaces its entry, never adds one.
            if key % 7 == 0 { _ = join.pass(inference(UInt64(key), predicted: 2, at: 0)) }
            most = max(most, join.pendingCount)
        }
        #expect(most == 50)
        #expect(join.evicted > 0)
        let held = join.pendingCount
        #expect(held == 50)
        let samples = (1...500).map { label(UInt64($0), 1, at: 1) }
        let w = try window(samples, join: &join)
        #expect(w.labeledCount == UInt64(held), "only the newest predictions were still held")
        #expect(w.unmatchedCount == UInt64(500 - held))
        // The held keys predicted again said 2: wrong against label 1.
        #expect(w.labeledCount - w.correctCount == UInt64((501 - held...500).filter { $0 % 7 == 0 }.count))
    }

    @Test("predictions older than the horizon are forgotten as time moves on")
    func horizonForgets() {
        var join = LabelJoin(horizonNs: 10 * Self.second, maxPending: 1_000)
        for s in 0..<100 { _ = join.pass(inference(UInt64(s + 1), predicted: 0, at: Int64(s))) }
        #expect(join.pendingCount == 11, "seconds 89…99 are within 10 s of 99")
        #expect(join.expired == 89)
    }

    @Test("a window without unmatched outcomes decodes from journals written before the field")
    func oldJournalWindows() throws {
        var rng = TestRNG(seed: 11)
        let w = Fixture.random(&rng)
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(w)) as? [String: Any])
        #expect(object["unmatchedCount"] as? Int == Int(w.unmatchedCount))
        object["unmatchedCount"] = nil
        let old = try JSONDecoder().decode(Window.self, from: JSONSerialization.data(withJSONObject: object))
        var expected = w
        expected.unmatchedCount = 0
        #expect(old == expected)
    }
}
