import CCanaryShm
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The route page of one model: the agent writes the split, routers read it
/// and route keys with no network call (seqlock, canary_shm.h).
///
/// Readers never trust the page: a table that fails validation (count,
/// weights, labels, header, a seqlock stuck odd) is refused, counted in
/// `refusals`, and routing keeps the last good table (fail-static).
///
/// `@unchecked Sendable`: the mapping never changes; page accesses are the
/// C11 atomics of canary_shm.h; reader and writer state are behind Mutexes.
public final class RoutePage: @unchecked Sendable {
    let mapping: SharedMapping
    let page: UnsafeMutablePointer<canary_route_page>
    let model: String
    /// The last good table (canary_route_reader) and its labels.
    let reader = Mutex(ReaderState())
    /// Seq of the reader's good table, for the lock-free `routeIndex`.
    let goodSeq = Atomic<UInt64>(0)
    /// What this process last wrote (the owner's copy, see `restoreIfChanged`).
    let written = Mutex<canary_route_table?>(nil)
    /// Seqlock retries per attempt; between attempts the thread yields, so a
    /// writer preempted mid-update gets the CPU back (2-core machines).
    @usableFromInline let spinsPerAttempt: UInt32 = 1000
    /// How long reads keep retrying a page that stays mid-write before they
    /// give up on it (`routeBusy`). A live writer needs well under 1 µs.
    public let busyTimeout: Duration = .milliseconds(100)

    struct ReaderState {
        var reader = canary_route_reader()
        var labelsSeq: UInt64 = 0
        var versions: [String] = []
    }

    /// Opens (or creates) the route page `name` of `model`.
    public init(
        name: String, model: String, permissions: SegmentPermissions = .ownerOnly,
        openMode: SegmentOpenMode = .createOrAttach, readyTimeout: Duration = .milliseconds(200)
    ) throws(ShmError) {
        guard model.utf8.count <= Int(CANARY_LABEL_SIZE) else {
            throw ShmError(.invalidArgument, segment: name, detail: "model label longer than \(CANARY_LABEL_SIZE) bytes")
        }
        self.model = model
        let layout = SharedMapping.Layout(
            createSize: Int(CANARY_ROUTE_PAGE_SIZE), headerSize: Int(CANARY_ROUTE_PAGE_SIZE),
            initialize: { base in Self.initialize(base.assumingMemoryBound(to: canary_route_page.self), model: model) },
            check: { p, size in canary_route_check(p.assumingMemoryBound(to: canary_route_page.self), size) },
            mappedSize: { _ in Int(CANARY_ROUTE_PAGE_SIZE) },
            kind: "route page")
        mapping = try SharedMapping.open(name: name, layout: layout, mode: openMode, permissions: permissions, readyTimeout: readyTimeout)
        page = mapping.base.assumingMemoryBound(to: canary_route_page.self)
        let stored = storedModel
        guard stored == model else {
            throw ShmError(.labelMismatch, segment: name, detail: "route page belongs to model '\(stored)', not '\(model)'")
        }
    }

    static func initialize(_ page: UnsafeMutablePointer<canary_route_page>, model: String) {
        var m = model
        m.withUTF8 { canary_route_init(page, $0.baseAddress, $0.count, UInt32(getpid())) }
    }

    var storedModel: String {
        withUnsafeBytes(of: &page.pointee.model) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    public var name: String { mapping.name }

    /// Whether this process holds the page's writer lock (`claimWriter`).
    private let writerLock = Atomic<Bool>(false)

    /// Takes the page's writer lock if nobody holds it: a non-blocking
    /// exclusive `flock` on the segment, held for this object's lifetime and
    /// dropped by the kernel when the holder dies. Several agents on one host
    /// may share a page (`/canary.<model>.route`): they follow the same
    /// tables, one writes them at a time, and another takes over on its next
    /// try once the writer is gone. Routers never take it.
    /// - Returns: true if this process is (now) the writer.
    public func claimWriter() throws(ShmError) -> Bool {
        if writerLock.load(ordering: .acquiring) { return true }
        guard try mapping.lockExclusive() else { return false }
        writerLock.store(true, ordering: .releasing)
        return true
    }

    /// Whether this process holds the writer lock.
    public var isWriter: Bool { writerLock.load(ordering: .acquiring) }

    /// Publishes a table after validating it (single writer: the agent).
    /// Readers see either the old or the new table, never a mix.
    public func write(_ table: RouteTable) throws(ShmError) {
        var t = try table.encoded(segment: mapping.name)
        try written.withLock { (last: inout canary_route_table?) throws(ShmError) in
            let status = canary_route_write(page, &t)
            guard status == CANARY_OK else {
                throw ShmError(.invalidRouteTable, segment: mapping.name, detail: "route table rejected (\(status.rawValue))")
            }
            last = t
        }
    }

    /// A consistent, validated snapshot of the current table (no entries
    /// before the first write). Throws `corruptRoutePage` naming the words
    /// that are wrong, or `routeBusy` for a page stuck mid-write.
    public func read() throws(ShmError) -> RouteTable {
        var t = canary_route_table()
        var seq: UInt64 = 0
        var problem = canary_problem()
        _ = retryingWhileBusy {
            problem = canary_route_read_checked(page, &t, &seq, spinsPerAttempt)
            return problem.status != CANARY_E_BUSY
        }
        switch problem.status {
        case CANARY_OK: return RouteTable(decoding: t)
        case CANARY_E_NO_TABLE: return RouteTable(epoch: 0, sequence: 0, phase: .pending, entries: [])
        case CANARY_E_BUSY:
            throw ShmError(.routeBusy, segment: mapping.name,
                           detail: "route page refused: \(ShmProblem(problem)) (for \(busyTimeout)); keep routing with the last table")
        default:
            throw ShmError(.corruptRoutePage, segment: mapping.name, detail: "route page refused: \(ShmProblem(problem))")
        }
    }

    /// Index of the entry `key` routes to in the last good table; nil if no
    /// good table was ever read. Lock-free (~10 ns) while the page holds
    /// the good table.
    public func routeIndex(_ key: UInt64) -> Int? {
        var seq: UInt64 = 0
        let i = canary_route_pick(page, key, &seq, spinsPerAttempt)
        if i >= 0, seq == goodSeq.load(ordering: .acquiring) { return Int(i) }
        return slowRoute(key)?.index
    }

    /// The version `key` routes to: the entry whose ppm slice holds
    /// `canary_route_point(key)`, in the last good table. Nil if no good
    /// table was ever read (none written yet, or every one refused).
    public func route(_ key: UInt64) -> String? {
        var seq: UInt64 = 0
        let i = Int(canary_route_pick(page, key, &seq, spinsPerAttempt))
        if i >= 0, seq == goodSeq.load(ordering: .acquiring),
           let hit = reader.withLock({ $0.labelsSeq == seq && i < $0.versions.count ? $0.versions[i] : nil }) {
            return hit
        }
        return slowRoute(key)?.version
    }

    /// How many distinct page states this reader refused.
    public var refusals: UInt64 { reader.withLock { $0.reader.refusals } }

    /// Why the page was last refused, if it ever was.
    public var lastRefusal: ShmProblem? {
        reader.withLock { $0.reader.refusals > 0 ? ShmProblem($0.reader.problem) : nil }
    }

    func slowRoute(_ key: UInt64) -> (index: Int, version: String)? {
        reader.withLock { state in
            var status = canary_route_reader_sync(&state.reader, page, spinsPerAttempt)
            if status == CANARY_E_BUSY {
                // Bounded wait once per stuck seq value; then fail fast.
                if !retryingWhileBusy({
                    status = canary_route_reader_sync(&state.reader, page, spinsPerAttempt)
                    return status != CANARY_E_BUSY
                }) {
                    canary_route_reader_give_up(&state.reader, page)
                }
            }
            guard state.reader.good_seq != 0 else { return nil }
            if state.labelsSeq != state.reader.good_seq {
                state.versions = RouteTable(decoding: state.reader.good).entries.map(\.version)
                state.labelsSeq = state.reader.good_seq
                goodSeq.store(state.reader.good_seq, ordering: .releasing)
            }
            let i = Int(canary_route_pick_point(&state.reader.good, canary_route_point(key)))
            return i >= 0 && i < state.versions.count ? (i, state.versions[i]) : nil
        }
    }

    /// Repeats `attempt` with sched_yield in between until it succeeds or
    /// `busyTimeout` passes.
    @usableFromInline
    func retryingWhileBusy(_ attempt: () -> Bool) -> Bool {
        if attempt() { return true }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: busyTimeout)
        while clock.now < deadline {
            sched_yield()
            if attempt() { return true }
        }
        return false
    }
}
