@_spi(Testing) import CanaryShm
import Foundation
import Testing

/// A live writer preempted between claim and commit (a loaded host
/// deschedules it for milliseconds): the reader passes its slot after
/// `CANARY_PASS_WAIT_NS`, keeps watching it, and delivers the record once
/// it is committed, instead of counting a live writer's sample lost.
@Suite struct LateWriterTests {
    /// Drains on this thread until `done` holds or `timeout` passes; sums what it saw.
    private func drain(_ reader: SampleReader, timeout: Duration = .seconds(5), until done: (DrainTotals, DrainResult) -> Bool)
        -> (totals: DrainTotals, last: DrainResult, keys: [UInt64])
    {
        var totals = DrainTotals()
        var keys: [UInt64] = []
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last = DrainResult(delivered: 0, overrun: 0, torn: 0, abandoned: 0, pending: false)
        repeat {
            let (records, result) = reader.drain(maxCount: 64)
            keys += records.map(\.key)
            totals.add(result)
            last = result
            if done(totals, result) { break }
            usleep(200)
        } while clock.now < deadline
        return (totals, last, keys)
    }

    @Test("a writer preempted mid-record for longer than the old 10 ms wait: its sample is delivered late, nothing lost")
    func preemptedWriterIsDeliveredLate() throws {
        let name = uniqueSegmentName("late")
        defer { _ = try? unlinkSharedSegment(name) }
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 1 << 10)
        let reader = try SampleReader(config)
        let recorder = try SampleRecorder(config)
        let preempted = recorder.claimWithoutCommit()
        for i in 0..<10 as Range<UInt64> { recorder.record(latencyNanoseconds: 1_000 + i, key: 100 + i) }

        // The reader does not wait for the preempted writer: the ten after it arrive.
        let first = drain(reader) { totals, _ in totals.delivered >= 10 }
        #expect(first.keys == Array(100..<110))
        #expect(first.last.late == 1 && !first.last.pending, "the slot is passed and watched: \(first.last)")
        #expect(reader.lateTickets == [preempted])
        #expect(first.totals.lost == 0)

        // Descheduled 50 ms: the previous reader counted it abandoned after 10 ms.
        Thread.sleep(forTimeInterval: 0.05)
        #expect(drain(reader, timeout: .milliseconds(20)) { _, _ in false }.totals.lost == 0)
        recorder.commitClaimed(preempted, latencyNanoseconds: 7, key: 42)
        let second = drain(reader) { totals, _ in totals.delivered >= 1 }
        #expect(second.keys == [42])
        #expect(second.last.late == 0 && second.totals.lost == 0)
        #expect(reader.lateTickets.isEmpty)
        let totals = reader.totals
        #expect(totals.delivered == 11 && totals.lost == 0 && totals.position == totals.claimed)
    }

    @Test("a watched slot the writers lap is counted overrun once and never delivered", arguments: [false, true])
    func lappedLateTicket(writerCommitsAfterLap: Bool) throws {
        let name = uniqueSegmentName("lap")
        defer { _ = try? unlinkSharedSegment(name) }
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 16)
        let reader = try SampleReader(config, deadWriterWait: .milliseconds(300))
        let recorder = try SampleRecorder(config)
        let preempted = recorder.claimWithoutCommit()
        for i in 0..<4 as Range<UInt64> { recorder.record(latencyNanoseconds: 1, key: i) }
        let first = drain(reader) { totals, _ in totals.delivered >= 4 }
        #expect(first.last.late == 1)
        // Two laps later the slot belongs to ticket 32.
        for i in 0..<40 as Range<UInt64> { recorder.record(latencyNanoseconds: 1, key: 1_000 + i) }
        // The preempted writer, run again, stores its record over ticket 32's
        // (writers never read): its own record is real and delivered, ticket
        // 32's is gone and ends up abandoned after the dead-writer wait.
        if writerCommitsAfterLap { recorder.commitClaimed(preempted, latencyNanoseconds: 1, key: 999) }
        let claimed = reader.totals.claimed
        let second = drain(reader) { _, _ in
            let totals = reader.totals
            return totals.delivered + totals.lost == claimed && reader.lateTickets.isEmpty
        }
        #expect(second.keys.contains(999) == writerCommitsAfterLap)
        // Ticket 32 carries key 1027: intact unless the late writer overwrote it.
        #expect(second.keys.contains(1_027) != writerCommitsAfterLap)
        let totals = reader.totals
        #expect(totals.delivered + totals.lost == totals.claimed, "every ticket once: \(totals)")
        #expect(totals.torn == 0)
        #expect(totals.abandoned == (writerCommitsAfterLap ? 1 : 0), "\(totals)")
        #expect(reader.lateTickets.isEmpty)
    }

    @Test("a writer that never commits: passed at once, counted abandoned after the dead-writer wait")
    func deadLateTicketIsAbandoned() throws {
        let name = uniqueSegmentName("deadlate")
        defer { _ = try? unlinkSharedSegment(name) }
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
        let reader = try SampleReader(config, deadWriterWait: .milliseconds(100))
        let recorder = try SampleRecorder(config)
        recorder.claimWithoutCommit()
        recorder.record(latencyNanoseconds: 1, key: 1)
        let clock = ContinuousClock()
        let start = clock.now
        let passed = drain(reader) { totals, _ in totals.delivered == 1 }
        #expect(clock.now - start < .milliseconds(90), "the live record behind the dead slot waits only the pass wait")
        #expect(passed.totals.abandoned == 0 && passed.last.late == 1)
        let dead = drain(reader) { totals, _ in totals.abandoned == 1 }
        #expect(clock.now - start >= .milliseconds(100))
        #expect(dead.last.late == 0 && reader.totals.abandoned == 1)
    }

    @Test("eight watched slots at most: the ninth is waited on in order until one settles")
    func lateListIsBounded() throws {
        let name = uniqueSegmentName("full")
        defer { _ = try? unlinkSharedSegment(name) }
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
        let reader = try SampleReader(config, deadWriterWait: .seconds(30))
        let recorder = try SampleRecorder(config)
        let claims = (0..<9).map { _ in recorder.claimWithoutCommit() }
        recorder.record(latencyNanoseconds: 1, key: 1)
        let stuck = drain(reader, timeout: .milliseconds(300)) { _, result in result.late == 8 && result.pending }
        #expect(stuck.last.late == 8 && stuck.last.pending && stuck.totals.delivered == 0, "\(stuck.last)")
        for (i, ticket) in claims.enumerated() { recorder.commitClaimed(ticket, latencyNanoseconds: 1, key: 100 + UInt64(i)) }
        let done = drain(reader) { totals, _ in totals.delivered == 10 }
        #expect(done.keys.sorted() == [1] + Array(100..<109))
        #expect(done.totals.lost == 0 && reader.lateTickets.isEmpty)
    }

    @Test("a successor reader takes over the watched slots its predecessor left in the segment")
    func successorWatchesLateTickets() throws {
        let name = uniqueSegmentName("succ")
        defer { _ = try? unlinkSharedSegment(name) }
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
        let recorder = try SampleRecorder(config)
        let preempted = recorder.claimWithoutCommit()
        recorder.record(latencyNanoseconds: 1, key: 1)
        do {
            let first = try SampleReader(config)
            let passed = drain(first) { totals, _ in totals.delivered == 1 }
            #expect(passed.last.late == 1)
        }
        let successor = try SampleReader(config)
        #expect(successor.lateTickets == [preempted])
        recorder.commitClaimed(preempted, latencyNanoseconds: 1, key: 2)
        let late = drain(successor) { totals, _ in totals.delivered == 1 }
        #expect(late.keys == [2] && late.totals.lost == 0)
        #expect(successor.totals.delivered == 2 && successor.totals.lost == 0)
    }

    @Test("nonsense in the segment's late list (not below the position, repeated) is dropped, never delivered or counted")
    func foreignLateListIsIgnored() throws {
        let name = uniqueSegmentName("foreign")
        defer { _ = try? unlinkSharedSegment(name) }
        let config = RingConfiguration(name: name, model: "m", version: "v1", capacity: 64)
        let recorder = try SampleRecorder(config)
        for i in 0..<3 as Range<UInt64> { recorder.record(latencyNanoseconds: 1, key: i) }
        recorder.overwriteLateList([1_000_001, 0, 6, 6, UInt64.max])
        let reader = try SampleReader(config)
        let read = drain(reader) { totals, _ in totals.delivered == 3 }
        #expect(read.keys == [0, 1, 2] && read.totals.lost == 0)
        #expect(reader.lateTickets.isEmpty, "\(reader.lateTickets)")
    }
}
