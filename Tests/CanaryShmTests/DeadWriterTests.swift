@_spi(Testing) import CanaryShm
import Foundation
import Testing

/// A writer killed (SIGKILL) between claim and commit: the reader skips the
/// slot after the bounded wait, counts it, and goes on.
@Suite struct DeadWriterTests {
    @Test func killedWriterSlotIsSkippedAndCounted() async throws {
        try await withSegmentName("dead") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 1 << 10)
            let reader = try SampleReader(config, deadWriterWait: .milliseconds(20))
            let child = try Child.launch(try builtExecutable("shm-writer"), ["claim-and-hang", name, "m", "v1"])
            let line = child.readLine()
            #expect(line == "claimed 5")
            kill(child.process.processIdentifier, SIGKILL)
            child.process.waitUntilExit()
            #expect(child.process.terminationReason == .uncaughtSignal)

            // Life goes on: a live writer records after the dead one's slot.
            let recorder = try SampleRecorder(config)
            for i in 0..<100 as Range<UInt64> { recorder.record(latencyNanoseconds: 1000 + i, key: 1000 + i) }

            let clock = ContinuousClock()
            let start = clock.now
            var keys: [UInt64] = []
            let result = await drainUntil(reader, timeout: .seconds(5), onBatch: { keys += $0.map(\.key) }) { $0.accounted >= 106 }
            let waited = clock.now - start
            #expect(result.delivered == 105)
            #expect(result.abandoned == 1)
            #expect(result.overrun == 0 && result.torn == 0)
            #expect(keys == Array(0..<5) + Array(1000..<1100))
            #expect(waited >= .milliseconds(20), "the slot must be waited on, boundedly")
            #expect(reader.totals.abandoned == 1)
        }
    }

    @Test func slowButLiveWriterIsWaitedFor() async throws {
        try await withSegmentName("slow") { name in
            let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
            let reader = try SampleReader(config, deadWriterWait: .seconds(10))
            let recorder = try SampleRecorder(config)
            recorder.claimWithoutCommit()
            recorder.record(latencyNanoseconds: 1, key: 1)
            let r = reader.drain(maxCount: 16).result
            #expect(r.delivered == 0 && r.pending && r.lost == 0, "an uncommitted slot is waited on, not skipped at once")
        }
    }
}
