import CCanaryShm
import CanaryShm
import Foundation
import Testing

/// Ring words no writer or reader produces: the reader's audit names the
/// fault and recovers as canary_ring_audit says — never silent, never a
/// stuck reader, never a loss count out of thin air.
@Suite struct RingFaultTests {
    func ring(_ name: String) throws -> (SampleRecorder, SampleReader, Scribbler) {
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 1 << 10)
        let recorder = try SampleRecorder(config)
        let reader = try SampleReader(config)
        return (recorder, reader, try Scribbler(name))
    }

    func write(_ recorder: SampleRecorder, _ keys: Range<UInt64>) {
        for k in keys { recorder.record(latencyNanoseconds: k, key: k) }
    }

    @Test func tailPastHeadIsAFaultAndTheReaderResumesWhereItWas() async throws {
        try await withSegmentName("tailpast") { name in
            let (recorder, reader, scribbler) = try ring(name)
            write(recorder, 0..<10)
            #expect(reader.drain(maxCount: 100).result.delivered == 10)
            scribbler.set64(RingOffsets.tail, scribbler.u64(RingOffsets.head) + 1000)
            write(recorder, 10..<15)
            let (records, r) = reader.drain(maxCount: 100)
            #expect(r.fault?.status == CANARY_E_TAIL_PAST_HEAD)
            #expect(r.fault?.description.contains("tail) 1010 is past the writers' head") == true, "\(String(describing: r.fault))")
            #expect(records.map(\.key) == Array(10..<15) && r.lost == 0, "nothing lost, nothing read twice")
            #expect(reader.totals.position == 15)
            let after = reader.drain(maxCount: 100).result
            #expect(after.fault == nil && after.delivered == 0)
        }
    }

    @Test func tailMovedBackIsRefusedSoNothingIsCountedTwice() async throws {
        try await withSegmentName("tailback") { name in
            let (recorder, reader, scribbler) = try ring(name)
            write(recorder, 0..<20)
            #expect(reader.drain(maxCount: 100).result.delivered == 20)
            scribbler.set64(RingOffsets.tail, 3)
            let (records, r) = reader.drain(maxCount: 100)
            #expect(r.fault?.status == CANARY_E_TAIL_MOVED && records.isEmpty)
            #expect(reader.totals.position == 20)
        }
    }

    @Test func headBackwardsResyncsTheReaderToHead() async throws {
        try await withSegmentName("headback") { name in
            let (recorder, reader, scribbler) = try ring(name)
            write(recorder, 0..<20)
            #expect(reader.drain(maxCount: 100).result.delivered == 20)
            scribbler.set64(RingOffsets.head, 5)
            #expect(reader.drain(maxCount: 100).result.fault?.status == CANARY_E_HEAD_BACKWARDS)
            write(recorder, 100..<103) // tickets 5, 6, 7 again
            let (records, r) = reader.drain(maxCount: 100)
            #expect(r.fault == nil && records.map(\.key) == [100, 101, 102], "writers are read again after the resync")
        }
    }

    @Test func headJumpIsNotBelievedAsLoss() async throws {
        try await withSegmentName("headjump") { name in
            let (recorder, reader, scribbler) = try ring(name)
            write(recorder, 0..<10)
            #expect(reader.drain(maxCount: 5).result.delivered == 5)
            scribbler.set64(RingOffsets.head, 1 << 50)
            let r = reader.drain(maxCount: 100).result
            #expect(r.fault?.status == CANARY_E_HEAD_JUMP)
            #expect(r.skipped == 5 && r.overrun == 0, "only the 5 unread records are lost, not 2^50")
            write(recorder, 10..<12)
            let (records, r2) = reader.drain(maxCount: 100)
            #expect(r2.fault == nil && records.map(\.key) == [10, 11])
        }
    }

    @Test func aChangedHeaderStopsReadingUntilItIsBack() async throws {
        try await withSegmentName("header") { name in
            let (recorder, reader, scribbler) = try ring(name)
            write(recorder, 0..<4)
            let capacity = scribbler.u64(RingOffsets.capacity)
            scribbler.set64(RingOffsets.capacity, 1 << 40)
            for _ in 0..<3 {
                let r = reader.drain(maxCount: 100).result
                #expect(r.fault?.status == CANARY_E_RING_HEADER && r.delivered == 0 && r.faultStopsReading)
                #expect(r.fault?.description.contains("offset 16") == true)
            }
            write(recorder, 4..<6)
            scribbler.set64(RingOffsets.capacity, capacity)
            let (records, r) = reader.drain(maxCount: 100)
            #expect(r.fault == nil && records.map(\.key) == Array(0..<6), "what was written meanwhile is read")
            scribbler.set64(RingOffsets.magic, 0x4141)
            #expect(reader.drain(maxCount: 1).result.fault?.description.contains("offset 0") == true)
        }
    }

    @Test func aReaderAttachingToATailPastHeadStartsAtHead() async throws {
        try await withSegmentName("attach") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 1 << 10)
            let recorder = try SampleRecorder(config)
            write(recorder, 0..<7)
            try Scribbler(name).set64(RingOffsets.tail, 1 << 40)
            let reader = try SampleReader(config)
            let audit = reader.audit()
            #expect(audit.fault?.status == CANARY_E_TAIL_PAST_HEAD && audit.position == 7)
            #expect(reader.totals.position == 7)
            write(recorder, 7..<9)
            #expect(reader.drain(maxCount: 10).records.map(\.key) == [7, 8])
        }
    }
}
