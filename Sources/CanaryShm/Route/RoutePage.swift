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
/// `@unchecked Sendable`: the mapping never changes; page accesses are the
/// C11 atomics of canary_shm.h; the label cache is behind a Mutex.
public final class RoutePage: @unchecked Sendable {
    private let mapping: SharedMapping
    private let page: UnsafeMutablePointer<canary_route_page>
    /// Labels of the table last seen, keyed by its seqlock value.
    private let labels = Mutex<(seq: UInt64, versions: [String])>((1, []))
    /// Seqlock retries per attempt; between attempts the thread yields, so a
    /// writer preempted mid-update gets the CPU back (2-core machines).
    @usableFromInline let spinsPerAttempt: UInt32 = 1000
    /// How long reads keep retrying a page that stays mid-write before they
    /// report `routeBusy` (route: nil). A live writer needs well under 1 µs.
    public let busyTimeout: Duration = .milliseconds(100)

    /// Opens (or creates) the route page `name` of `model`.
    public init(
        name: String, model: String, permissions: SegmentPermissions = .ownerOnly,
        openMode: SegmentOpenMode = .createOrAttach, readyTimeout: Duration = .milliseconds(200)
    ) throws(ShmError) {
        guard model.utf8.count <= Int(CANARY_LABEL_SIZE) else {
            throw ShmError(.invalidArgument, segment: name, detail: "model label longer than \(CANARY_LABEL_SIZE) bytes")
        }
        let layout = SharedMapping.Layout(
            createSize: Int(CANARY_ROUTE_PAGE_SIZE), headerSize: Int(CANARY_ROUTE_PAGE_SIZE),
            initialize: { base in
                var m = model
                m.withUTF8 { canary_route_init(base.assumingMemoryBound(to: canary_route_page.self), $0.baseAddress, $0.count, UInt32(getpid())) }
            },
            check: { p, size in canary_route_check(p.assumingMemoryBound(to: canary_route_page.self), size) },
            mappedSize: { _ in Int(CANARY_ROUTE_PAGE_SIZE) },
            kind: "route page")
        mapping = try SharedMapping.open(name: name, layout: layout, mode: openMode, permissions: permissions, readyTimeout: readyTimeout)
        page = mapping.base.assumingMemoryBound(to: canary_route_page.self)
        let stored = withUnsafeBytes(of: &page.pointee.model) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        guard stored == model else {
            throw ShmError(.labelMismatch, segment: name, detail: "route page belongs to model '\(stored)', not '\(model)'")
        }
    }

    public var name: String { mapping.name }

    /// Publishes a table after validating it (single writer: the agent).
    /// Readers see either the old or the new table, never a mix.
    public func write(_ table: RouteTable) throws(ShmError) {
        var t = try table.encoded(segment: mapping.name)
        let status = canary_route_write(page, &t)
        guard status == CANARY_OK else {
            throw ShmError(.invalidRouteTable, segment: mapping.name, detail: "route table rejected (\(status.rawValue))")
        }
    }

    /// A consistent snapshot of the current table (no entries before the first write).
    public func read() throws(ShmError) -> RouteTable {
        try readWithSeq().table
    }

    private func readWithSeq() throws(ShmError) -> (table: RouteTable, seq: UInt64) {
        var t = canary_route_table()
        var seq: UInt64 = 0
        let done = retryingWhileBusy { canary_route_read(page, &t, &seq, spinsPerAttempt) == CANARY_OK }
        guard done else {
            throw ShmError(.routeBusy, segment: mapping.name,
                           detail: "route page stayed mid-write for \(busyTimeout) (writer died?); keep routing with the last table")
        }
        return (RouteTable(decoding: t), seq)
    }

    /// Index of the entry `key` routes to, nil if no table was written yet or
    /// the page is mid-write for too long. Lock-free, ~10 ns.
    @inlinable
    public func routeIndex(_ key: UInt64) -> Int? {
        let i = pick(key, nil)
        return i >= 0 ? Int(i) : nil
    }

    /// The version `key` routes to: the entry whose ppm slice holds
    /// `canary_route_point(key)`. Nil if no table was written yet.
    public func route(_ key: UInt64) -> String? {
        var seq: UInt64 = 0
        let i = pick(key, &seq)
        guard i >= 0 else { return nil }
        if let hit = labels.withLock({ $0.seq == seq && Int(i) < $0.versions.count ? $0.versions[Int(i)] : nil }) {
            return hit
        }
        guard let (table, seq2) = try? readWithSeq() else { return nil }
        let versions = table.entries.map(\.version)
        labels.withLock { $0 = (seq2, versions) }
        // The table may have changed between the pick and the read: route again.
        let j = pick(key, nil)
        return j >= 0 && Int(j) < versions.count && seq2 == seq ? versions[Int(j)] : route(key)
    }

    @usableFromInline
    func pick(_ key: UInt64, _ seq: UnsafeMutablePointer<UInt64>?) -> Int32 {
        let i = canary_route_pick(page, key, seq, spinsPerAttempt)
        if i != -2 { return i }
        var j: Int32 = -2
        _ = retryingWhileBusy {
            j = canary_route_pick(page, key, seq, spinsPerAttempt)
            return j != -2
        }
        return j
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
