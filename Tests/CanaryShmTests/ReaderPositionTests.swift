import CanaryShm
import Foundation
import Testing

/// The reader position lives in the segment: a restarted reader resumes; a
/// reader far behind counts exactly what was overwritten.
@Suite struct ReaderPositionTests {
    @Test func restartedReaderResumesWhereItLeftOff() async throws {
        try await withSegmentName("resume") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 1 << 12)
            let recorder = try SampleRecorder(config)
            for i in 0..<1000 as Range<UInt64> { recorder.record(latencyNanoseconds: i, key: i) }
            do {
                let first = try SampleReader(config)
                let (records, r) = first.drain(maxCount: 300)
                #expect(r.delivered == 300)
                #expect(records.map(\.key) == Array(0..<300))
            } // the first reader goes away (an agent restart)
            for i in 1000..<1200 as Range<UInt64> { recorder.record(latencyNanoseconds: i, key: i) }
            let second = try SampleReader(config)
            let (records, r) = second.drain(maxCount: 5000)
            #expect(r.delivered == 900 && r.lost == 0)
            #expect(records.map(\.key) == Array(300..<1200))
            #expect(records.first?.ticket == 300)
            let totals = second.totals
            #expect(totals.delivered == 1200 && totals.position == 1200 && totals.lost == 0)
        }
    }

    @Test func secondReaderIsRefusedUntilTheFirstGoesAway() async throws {
        try await withSegmentName("tworeaders") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
            var first: SampleReader? = try SampleReader(config)
            let error = #expect(throws: ShmError.self) { _ = try SampleReader(config) }
            #expect(error?.code == .readerActive)
            #expect(first != nil)
            first = nil
            _ = try SampleReader(config) // the lock went with the first reader
        }
    }

    @Test func farBehindReaderCountsOverwrittenExactly() async throws {
        try await withSegmentName("behind") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
            let recorder = try SampleRecorder(config)
            let reader = try SampleReader(config)
            for i in 0..<10 as Range<UInt64> { recorder.record(latencyNanoseconds: i, key: i) }
            #expect(reader.drain(maxCount: 4).result.delivered == 4) // position 4
            for i in 10..<1000 as Range<UInt64> { recorder.record(latencyNanoseconds: i, key: i) }
            let (records, r) = reader.drain(maxCount: 5000)
            #expect(r.delivered == 64)
            #expect(r.overrun == 1000 - 64 - 4)
            #expect(r.torn == 0 && r.abandoned == 0)
            #expect(records.map(\.key) == Array(936..<1000))
            #expect(reader.totals.overrun == 932)
        }
    }
}
