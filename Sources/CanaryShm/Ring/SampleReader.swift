import CCanaryShm
import Synchronization

/// What one `drain` call delivered and lost.
public struct DrainResult: Sendable, Hashable {
    /// Records copied into the caller's buffer.
    public var delivered: Int
    /// Lost: overwritten by writers before the reader got to them.
    public var overrun: UInt64
    /// Lost: changed while being copied, or failed the record check.
    public var torn: UInt64
    /// Lost: claimed by a writer that never committed within the dead-writer wait.
    public var abandoned: UInt64
    /// The drain stopped at a slot a writer is still filling; call again.
    public var pending: Bool
    /// Lost: unread records jumped over to recover from a ring fault.
    public var skipped: UInt64 = 0
    /// The reader position after the drain.
    public var position: UInt64 = 0
    /// Tickets below `position` whose writer was still mid-record when the
    /// reader passed them: watched, and delivered by a later drain once
    /// committed (or counted lost: lapped, or uncommitted for the dead-writer wait).
    public var late: Int = 0
    /// A header word no protocol-following writer or reader produces
    /// (tail past head, head backwards or jumping, header changed), and
    /// how the reader recovered; nil for a sane ring.
    public var fault: ShmProblem?

    public init(delivered: Int, overrun: UInt64, torn: UInt64, abandoned: UInt64, pending: Bool) {
        self.delivered = delivered
        self.overrun = overrun
        self.torn = torn
        self.abandoned = abandoned
        self.pending = pending
    }

    public var lost: UInt64 { overrun + torn + abandoned + skipped }

    /// The fault leaves the ring unread until the header is back (the
    /// others are recovered from in the same drain).
    public var faultStopsReading: Bool { fault?.status == CANARY_E_RING_HEADER }
}

/// Running totals kept in the segment (they survive a reader restart).
public struct RingTotals: Sendable, Hashable {
    /// Tickets claimed by writers since creation.
    public var claimed: UInt64
    /// Reader position: tickets delivered or counted lost.
    public var position: UInt64
    public var delivered: UInt64
    public var overrun: UInt64
    public var torn: UInt64
    public var abandoned: UInt64
    public var lost: UInt64 { overrun + torn + abandoned }
}

/// The single consumer of a sample ring (the agent), enforced with an
/// exclusive `flock` on the segment. Drains in batches into
/// a caller-provided buffer; its position lives in the segment, so a
/// restarted reader resumes where the last one stopped.
///
/// `@unchecked Sendable`: drains are serialised by the `wait` Mutex; the
/// mapping itself is only accessed through canary_shm.h's atomics.
public final class SampleReader: @unchecked Sendable {
    private let mapped: MappedRing
    private let deadWriterWaitNanoseconds: UInt64
    private let ring: canary_ring
    /// Which uncommitted slot the reader waits on, and since when.
    private let wait = Mutex(canary_reader_wait())

    /// Opens (or creates) the ring of `configuration`.
    /// - Parameter deadWriterWait: how long a claimed slot may stay
    ///   uncommitted before it is counted abandoned. A live writer needs
    ///   ~20 ns, but one preempted mid-record on a loaded host can take
    ///   milliseconds: after 2 ms the reader passes the slot and watches it
    ///   (up to 8 at a time, `CANARY_LATE_MAX`), delivering the record when
    ///   its writer commits, so only a writer that stays mid-record this
    ///   long (dead, or stopped) loses its sample. Default 2 s.
    public init(_ configuration: RingConfiguration, deadWriterWait: Duration = .seconds(2)) throws(ShmError) {
        mapped = try MappedRing.open(configuration)
        // One consumer: a second agent draining the same ring would split the
        // stream and corrupt the position. The lock dies with its process.
        guard try mapped.mapping.lockExclusive() else {
            throw ShmError(.readerActive, segment: configuration.name,
                           detail: "another reader is draining this sample ring (one agent per ring)")
        }
        let (s, a) = deadWriterWait.components
        deadWriterWaitNanoseconds = s < 0 ? 0 : UInt64(s) * 1_000_000_000 + UInt64(max(0, a) / 1_000_000_000)
        ring = mapped.ring
    }

    public var name: String { mapped.mapping.name }
    public var capacity: Int { Int(mapped.ring.mask + 1) }
    /// Model and version labels of the header.
    public var model: String { labelString(mapped.header, \.model) }
    public var version: String { labelString(mapped.header, \.version) }
    /// The segment's permission bits: files the agent keeps for this ring get the same.
    public var mode: UInt32 { UInt32(mapped.mapping.mode ?? 0o600) }
    /// Creation time of the segment, ns since the Unix epoch.
    public var createdNanoseconds: UInt64 { mapped.header.pointee.created_ns }

    /// Copies up to `buffer.count` committed records, oldest first. Never
    /// blocks; returns what it delivered and what was lost on the way.
    public func drain(into buffer: UnsafeMutableBufferPointer<SampleRecord>) -> DrainResult {
        let deadWait = deadWriterWaitNanoseconds
        return wait.withLock { waitState in
            buffer.withMemoryRebound(to: canary_record.self) { out in
                withUnsafePointer(to: ring) { ring in
                    let r = canary_ring_drain(ring, out.baseAddress, out.count, deadWait, &waitState)
                    var result = DrainResult(delivered: Int(r.delivered), overrun: r.overrun, torn: r.torn,
                                             abandoned: r.abandoned, pending: r.pending != 0)
                    result.skipped = r.skipped
                    result.position = r.position
                    result.late = Int(r.late)
                    result.fault = r.fault.status == CANARY_OK ? nil : ShmProblem(r.fault)
                    return result
                }
            }
        }
    }

    /// Audits the header without reading a record (a drain of nothing):
    /// what `drain` would find and recover from (nil: sane). An agent calls
    /// it on attach, before it believes the position.
    public func audit() -> DrainResult {
        withUnsafeTemporaryAllocation(of: SampleRecord.self, capacity: 1) { buffer in
            drain(into: UnsafeMutableBufferPointer(start: buffer.baseAddress, count: 0))
        }
    }

    /// Convenience: drains up to `maxCount` records into a new array.
    public func drain(maxCount: Int = 4096) -> (records: [SampleRecord], result: DrainResult) {
        var result = DrainResult(delivered: 0, overrun: 0, torn: 0, abandoned: 0, pending: false)
        let records = [SampleRecord](unsafeUninitializedCapacity: maxCount) { buffer, count in
            result = drain(into: buffer)
            count = result.delivered
        }
        return (records, result)
    }

    /// Totals from the segment header.
    public var totals: RingTotals {
        let h = mapped.header
        func load(_ p: UnsafeMutablePointer<UInt64>) -> UInt64 { UInt64(canary_load_u64(p)) }
        return RingTotals(
            claimed: load(&h.pointee.head), position: load(&h.pointee.tail),
            delivered: load(&h.pointee.delivered), overrun: load(&h.pointee.overrun),
            torn: load(&h.pointee.torn), abandoned: load(&h.pointee.abandoned))
    }

    /// The tickets the reader passed uncommitted and still watches, as the
    /// segment holds them (a successor takes them over on its first drain).
    public var lateTickets: [UInt64] {
        let offset = MemoryLayout<canary_ring_header>.offset(of: \.late)!
        let words = UnsafeMutableRawPointer(mapped.header).advanced(by: offset).assumingMemoryBound(to: UInt64.self)
        return (0..<Int(CANARY_LATE_MAX)).compactMap { i in
            let value = UInt64(canary_load_u64(words + i))
            return value == 0 ? nil : value - 1
        }.sorted()
    }
}
