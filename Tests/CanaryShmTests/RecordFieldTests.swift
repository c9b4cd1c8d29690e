import CCanaryShm
import CanaryShm
import Foundation
import Testing

/// What a recorder writes is what the reader reads, field for field.
@Suite struct RecordFieldTests {
    @Test func everyFieldRoundTrips() async throws {
        try await withSegmentName("fields") { name in
            let config = RingConfiguration(name: name, model: "fraud-detector", version: "2024-06-01.3")
            let recorder = try SampleRecorder(config)
            let reader = try SampleReader(config)
            #expect(reader.model == "fraud-detector" && reader.version == "2024-06-01.3")
            let before = canary_now_ns(CLOCK_REALTIME) // Date's Double loses the low bits
            recorder.record(latency: .milliseconds(12), status: .ok, prediction: .classIndex(3), confidence: 0.75, key: 11)
            recorder.record(latency: .nanoseconds(5), status: .timeout, prediction: .score(0.25), confidence: nil, key: 12)
            recorder.record(latency: .seconds(2), status: .serverError, key: RequestKey.hash("user-42"))
            recorder.recordOutcome(key: 11, label: 4, correct: false)
            recorder.recordOutcome(key: 12, label: nil, correct: true)
            let after = canary_now_ns(CLOCK_REALTIME)
            let (r, result) = reader.drain(maxCount: 10)
            try #require(r.count == 5 && result.lost == 0)
            #expect(r.map(\.ticket) == [0, 1, 2, 3, 4])
            #expect(r.allSatisfy { $0.timestampNanoseconds >= before && $0.timestampNanoseconds <= after })
            #expect(r[0].kind == .inference && r[0].status == .ok && r[0].latency == .milliseconds(12))
            #expect(r[0].prediction == .classIndex(3) && r[0].confidence == 0.75 && r[0].key == 11)
            #expect(r[0].label == nil && r[0].correct == nil)
            #expect(r[1].status == .timeout && r[1].latencyNanoseconds == 5 && r[1].prediction == .score(0.25) && r[1].confidence == nil)
            #expect(r[2].status == .serverError && r[2].prediction == nil && r[2].key == RequestKey.hash("user-42"))
            #expect(r[3].kind == .outcome && r[3].key == 11 && r[3].label == 4 && r[3].correct == false && r[3].prediction == nil)
            #expect(r[4].kind == .outcome && r[4].label == nil && r[4].correct == true)
        }
    }

    /// A label known at inference time travels with the inference; an
    /// outcome may carry what was predicted (self-contained).
    @Test func labelsAtInferenceAndPredictedOutcomes() async throws {
        try await withSegmentName("labelfields") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1")
            let recorder = try SampleRecorder(config)
            let reader = try SampleReader(config)
            recorder.record(latency: .milliseconds(1), prediction: .classIndex(2), key: 5, label: 2)
            recorder.record(latency: .milliseconds(1), prediction: .classIndex(2), key: 6)
            recorder.recordOutcome(key: 7, label: 1, predicted: 3)
            let (r, _) = reader.drain(maxCount: 10)
            try #require(r.count == 3)
            #expect(r[0].kind == .inference && r[0].label == 2 && r[0].prediction == .classIndex(2))
            #expect(r[1].label == nil)
            #expect(r[2].kind == .outcome && r[2].label == 1 && r[2].prediction == .classIndex(3) && r[2].correct == nil)
        }
    }

    /// The test vectors of proto/shm-layout.md §8, so spec and code cannot drift.
    @Test func specTestVectors() {
        #expect(canary_mix64(0) == 0xE220_A839_7B1D_CDAF && canary_route_point(0) == 883_310)
        #expect(canary_mix64(1) == 0x910A_2DEC_8902_5CC1 && canary_route_point(1) == 566_561)
        #expect(canary_mix64(42) == 0xBDD7_3226_2FEB_6E95 && canary_route_point(42) == 741_564)
        #expect(canary_route_point(.max) == 893_942)
        #expect(RequestKey.hash("user-42") == 0x32C6_D7A5_4D35_DACB)
        let w: [UInt64] = [0, 0x1797_9CFE_362A_0000, 0xBE_BC20, 0xB, 0x0000_0003_0005_0001, 0x3F40_0000_0000_0000, 0, 0]
        #expect(w.withUnsafeBufferPointer { canary_record_check(5, $0.baseAddress) } == 0x0248_C3B7)
    }

    @Test func durationsConvertToNanosecondsExactly() async throws {
        try await withSegmentName("durations") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v")
            let recorder = try SampleRecorder(config)
            let reader = try SampleReader(config)
            let cases: [(Duration, UInt64)] = [
                (.nanoseconds(1), 1), (.milliseconds(12), 12_000_000), (.seconds(18), 18_000_000_000),
                (.seconds(20), 20_000_000_000), (.seconds(3600) + .nanoseconds(7), 3_600_000_000_007),
                (.zero, 0), (.nanoseconds(-5), 0), (.seconds(-30), 0),
            ]
            for (d, _) in cases { recorder.record(latency: d) }
            #expect(reader.drain().records.map(\.latencyNanoseconds) == cases.map(\.1))
        }
    }

    @Test func requestKeyIsFNV1a64() {
        #expect(RequestKey.hash("") == 0xCBF2_9CE4_8422_2325)
        #expect(RequestKey.hash("a") == 0xAF63_DC4C_8601_EC8C)
    }
}
