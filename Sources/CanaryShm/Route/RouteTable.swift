import CCanaryShm

/// Where a rollout is (DESIGN.md §5), published with the table.
public enum RoutePhase: UInt32, Sendable, Hashable {
    case pending = 0, progressing, paused, promoted, rolledBack, aborted
}

/// One version and its share of traffic in parts per million.
public struct RouteEntry: Sendable, Hashable {
    /// Version label, 1…56 UTF-8 bytes, unique in the table.
    public var version: String
    public var weightPPM: UInt32

    public init(version: String, weightPPM: UInt32) {
        self.version = version
        self.weightPPM = weightPPM
    }
}

/// The traffic split. Entries own consecutive slices of [0, 1 000 000) in
/// entry order, the first from 0. Put the version whose share grows (the
/// canary) first and the baseline last: a growing canary then only takes
/// keys from the baseline and never gives one back (sticky routing).
public struct RouteTable: Sendable, Hashable {
    public var epoch: UInt64
    public var sequence: UInt64
    public var phase: RoutePhase
    public var entries: [RouteEntry]

    public init(epoch: UInt64, sequence: UInt64, phase: RoutePhase, entries: [RouteEntry]) {
        self.epoch = epoch
        self.sequence = sequence
        self.phase = phase
        self.entries = entries
    }

    /// Checks what `RoutePage.write` checks: 1…8 entries, unique non-empty
    /// labels of at most 56 bytes, weights summing to exactly 1 000 000.
    public func validate() throws(ShmError) { _ = try encoded(segment: "") }

    func encoded(segment: String) throws(ShmError) -> canary_route_table {
        func fail(_ why: String) -> ShmError { ShmError(.invalidRouteTable, segment: segment, detail: "route table rejected: \(why)") }
        guard !entries.isEmpty else { throw fail("no entries") }
        guard entries.count <= Int(CANARY_ROUTE_MAX_ENTRIES) else {
            throw fail("\(entries.count) entries, at most \(CANARY_ROUTE_MAX_ENTRIES) allowed")
        }
        var t = canary_route_table()
        t.epoch = epoch
        t.sequence = sequence
        t.phase = phase.rawValue
        t.count = UInt32(entries.count)
        var failure: ShmError?
        withUnsafeMutableBytes(of: &t.entries) { raw in
            let slots = raw.bindMemory(to: canary_route_entry.self)
            for (i, e) in entries.enumerated() {
                let bytes = Array(e.version.utf8)
                if bytes.count > Int(CANARY_ROUTE_LABEL_SIZE) {
                    failure = fail("version label '\(e.version)' is longer than \(CANARY_ROUTE_LABEL_SIZE) UTF-8 bytes")
                    return
                }
                withUnsafeMutableBytes(of: &slots[i].label) { dst in dst.copyBytes(from: bytes) }
                slots[i].weight_ppm = e.weightPPM
            }
        }
        if let failure { throw failure }
        let problem = canary_route_validate_problem(&t)
        guard problem.status == CANARY_OK else {
            let sum = entries.reduce(UInt64(0)) { $0 + UInt64($1.weightPPM) }
            switch problem.status {
            case CANARY_E_EMPTY_LABEL: throw fail("an entry has an empty version label")
            case CANARY_E_DUPLICATE: throw fail("a version label appears twice")
            case CANARY_E_WEIGHT_SUM: throw fail("weights sum to \(sum) ppm, not 1000000")
            default: throw fail(ShmProblem(problem).description)
            }
        }
        return t
    }

    init(decoding t: canary_route_table) {
        epoch = t.epoch
        sequence = t.sequence
        phase = RoutePhase(rawValue: t.phase) ?? .pending
        var t = t
        let count = min(Int(t.count), Int(CANARY_ROUTE_MAX_ENTRIES))
        entries = withUnsafeBytes(of: &t.entries) { raw in
            let slots = raw.bindMemory(to: canary_route_entry.self)
            return (0..<count).map { i in
                var e = slots[i]
                let label = withUnsafeBytes(of: &e.label) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                return RouteEntry(version: label, weightPPM: e.weight_ppm)
            }
        }
    }
}
