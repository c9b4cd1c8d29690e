import CanaryShm
import Foundation
import Testing

/// Many writer threads and several writer processes against one reader:
/// every committed sample is read exactly once or counted as lost.
@Suite struct RingConcurrencyTests {
    /// Every field of a record written by shm-writer or the threads below is
    /// derived from its key, so any mis-read shows.
    static func consistent(_ rec: SampleRecord) -> Bool {
        rec.latencyNanoseconds == rec.key &* 3 &+ 7
            && rec.prediction == .classIndex(Int32(rec.key & 0xFFFF_FFFF) % 10)
            && rec.kind == .inference && rec.status == .ok && rec.confidence == nil
    }

    @Test(arguments: [1 << 10, 1 << 16])
    func threadsAndProcessesAgainstOneReader(capacity: Int) async throws {
        try await withSegmentName("mp") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: capacity)
            let reader = try SampleReader(config, deadWriterWait: .milliseconds(200))
            let recorder = try SampleRecorder(config)
            let threads = 6, perThread: UInt64 = 30_000
            let processes = 3, perProcess: UInt64 = 30_000
            let writer = try builtExecutable("shm-writer")
            let children = try (0..<processes).map { p in
                try Child.launch(writer, ["write", name, "m", "v1", String(100 + p), String(perProcess)])
            }
            let finished = DoneCounter()
            for t in 0..<threads {
                Thread.detachNewThread {
                    for i in 0..<perThread {
                        let key = UInt64(t) << 32 | i
                        recorder.record(latencyNanoseconds: key &* 3 &+ 7, prediction: .classIndex(Int32(i % 10)), key: key)
                    }
                    finished.increment()
                }
            }
            let total = UInt64(threads) * perThread + UInt64(processes) * perProcess
            var seen = Set<UInt64>()
            var duplicates = 0, misread = 0
            let result = await drainUntil(reader, timeout: .seconds(90), onBatch: { batch in
                for rec in batch {
                    if !seen.insert(rec.key).inserted { duplicates += 1 }
                    if !Self.consistent(rec) { misread += 1 }
                }
            }, done: { $0.accounted >= total })
            for child in children {
                let (status, out) = child.finish()
                #expect(status == 0, "writer process failed: \(out)")
            }
            #expect(finished.value == threads)
            #expect(duplicates == 0)
            #expect(misread == 0)
            #expect(result.accounted == total, "delivered \(result.delivered) + lost \(result.lost) != \(total)")
            #expect(UInt64(seen.count) == result.delivered)
            // A live writer preempted between claim and commit for longer than
            // the dead-writer wait is counted abandoned too: counted, not misread.
            let totals = reader.totals
            #expect(totals.claimed == total)
            #expect(totals.position == total)
            #expect(totals.delivered + totals.lost == total)
            #expect(totals.delivered == result.delivered)
        }
    }
}
