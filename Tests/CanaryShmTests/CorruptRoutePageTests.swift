import CCanaryShm
import CanaryShm
import Foundation
import Testing

/// A route page whose words no writer produces. Every reader — Swift
/// `RoutePage`, the C `canary_route_reader`, the raw `canary_route_pick` —
/// refuses it with the cause, and one that had read the good table keeps
/// routing with it (fail-static), counting the refusal once.
@Suite struct CorruptRoutePageTests {
    /// One way to corrupt the page, what every reader must say, and the
    /// status the C reader reports.
    struct Corruption: Sendable, CustomTestStringConvertible {
        let name: String
        let cause: String
        let status: UInt32
        let bump: Bool
        let apply: @Sendable (Scribbler) -> Void
        var testDescription: String { name }
    }

    static let good = RouteTable(epoch: 3, sequence: 9, phase: .progressing, entries: [
        RouteEntry(version: "v2", weightPPM: 250_000), RouteEntry(version: "v1", weightPPM: 750_000),
    ])

    static let corruptions: [Corruption] = [
        .init(name: "count 200", cause: "count word says 200 entries, a page holds at most 8", status: CANARY_E_TOO_MANY.rawValue, bump: true) {
            $0.set32(RouteOffsets.count, 200)
        },
        .init(name: "count 0", cause: "count word is 0", status: CANARY_E_EMPTY_TABLE.rawValue, bump: true) { $0.set32(RouteOffsets.count, 0) },
        .init(name: "weights sum to 900000", cause: "weights sum to 900000 ppm, not 1000000", status: CANARY_E_WEIGHT_SUM.rawValue, bump: true) {
            $0.set32(RouteOffsets.weight(0), 150_000)
        },
        .init(name: "negative weight", cause: "weight is 4294967295 ppm, over 1000000", status: CANARY_E_WEIGHT_RANGE.rawValue, bump: true) {
            $0.set32(RouteOffsets.weight(0), UInt32(bitPattern: -1))
        },
        .init(name: "weights wrap to 10^6", cause: "weight is 4294717296 ppm", status: CANARY_E_WEIGHT_RANGE.rawValue, bump: true) {
            // 2^32 - 250000 + 1250000 wraps a 32-bit sum to exactly 10^6.
            $0.set32(RouteOffsets.weight(0), UInt32.max - 249_999)
            $0.set32(RouteOffsets.weight(1), 1_250_000)
        },
        .init(name: "duplicate version", cause: "entry 1 repeats the version label of entry 0", status: CANARY_E_DUPLICATE.rawValue, bump: true) {
            $0.setBytes(RouteOffsets.label(1), Array("v2".utf8))
        },
        .init(name: "label not UTF-8", cause: "entry 0's version label is not valid UTF-8", status: CANARY_E_LABEL_UTF8.rawValue, bump: true) {
            $0.setBytes(RouteOffsets.label(0), [0xC3, 0x28])
        },
        .init(name: "label not NUL-padded", cause: "non-NUL bytes after its end", status: CANARY_E_LABEL_PADDING.rawValue, bump: true) {
            $0.setBytes(RouteOffsets.label(0) + 30, [0x41])
        },
        .init(name: "empty label", cause: "entry 1 has no version label", status: CANARY_E_EMPTY_LABEL.rawValue, bump: true) {
            $0.setBytes(RouteOffsets.label(1), [0, 0])
        },
        .init(name: "phase 9", cause: "phase word is 9", status: CANARY_E_PHASE.rawValue, bump: true) { $0.set32(RouteOffsets.phase, 9) },
        .init(name: "reserved word", cause: "reserved bytes of entry 0", status: CANARY_E_RESERVED.rawValue, bump: true) {
            $0.set32(RouteOffsets.reserved(0), 7)
        },
        .init(name: "unused entry", cause: "unused entry 5", status: CANARY_E_RESERVED.rawValue, bump: true) {
            $0.setBytes(RouteOffsets.label(5), [0x41])
        },
        .init(name: "foreign magic", cause: "magic word is 0x0000000000001234", status: CANARY_E_FOREIGN.rawValue, bump: true) {
            $0.set64(RouteOffsets.magic, 0x1234)
        },
        .init(name: "layout version 2", cause: "layout version word is 2", status: CANARY_E_VERSION.rawValue, bump: true) {
            $0.set32(RouteOffsets.layoutVersion, 2)
        },
        .init(name: "seqlock odd forever", cause: "seqlock word stayed odd", status: CANARY_E_BUSY.rawValue, bump: false) {
            $0.set64(RouteOffsets.seq, $0.u64(RouteOffsets.seq) | 1)
        },
    ]

    @Test(arguments: corruptions)
    func readersRefuseAndKeepTheLastGoodTable(_ corruption: Corruption) async throws {
        try await withSegmentName("corrupt") { name in
            let writer = try RoutePage(name: name, model: "fraud")
            try writer.write(Self.good)
            let router = try RoutePage(name: name, model: "fraud", openMode: .attachOnly)
            let keys = (0..<500).map { UInt64($0) &* 0x9E37_79B9 }
            let before = keys.map { router.route($0) }
            try #require(before.allSatisfy { $0 == "v1" || $0 == "v2" })
            var cReader = canary_route_reader()
            let page = UnsafeRawPointer(try #require(canaryPage(name))).assumingMemoryBound(to: canary_route_page.self)
            #expect(canary_route_reader_pick(&cReader, page, 1, 100) >= 0)

            let scribbler = try Scribbler(name)
            corruption.apply(scribbler)
            if corruption.bump { scribbler.bumpSeq() }

            // The reader that had the good table keeps routing with it.
            let clock = ContinuousClock()
            let started = clock.now
            #expect(keys.map { router.route($0) } == before, "routing changed on a refused page")
            #expect(clock.now - started < .seconds(2), "a stuck page costs one bounded wait, then fails fast")
            #expect(keys.map { router.routeIndex($0) } == before.map { $0 == "v2" ? 0 : 1 })
            #expect(router.refusals == 1, "one refused page state counts once")
            #expect(router.lastRefusal?.description.contains(corruption.cause) == true, "\(String(describing: router.lastRefusal))")
            let error = #expect(throws: ShmError.self) { try router.read() }
            #expect(error?.description.contains(corruption.cause) == true, "\(String(describing: error))")
            #expect(error?.code == (corruption.status == CANARY_E_BUSY.rawValue ? .routeBusy : .corruptRoutePage))

            // The C reader: the good table's entry, the cause in its problem.
            #expect(canary_route_reader_pick(&cReader, page, 1, 100) == canary_route_pick_point(&cReader.good, canary_route_point(1)))
            #expect(cReader.refusals == 1 && cReader.problem.status.rawValue == corruption.status)
            // A reader that never saw a good table routes nowhere, and says why.
            var fresh = canary_route_reader()
            let pick = canary_route_reader_pick(&fresh, page, 1, 100)
            #expect(pick == (corruption.status == CANARY_E_BUSY.rawValue ? -2 : -3))
            if corruption.bump { #expect(fresh.problem.status.rawValue == corruption.status) }
            // The raw pick reads only count and weights: it refuses those itself.
            if [CANARY_E_TOO_MANY, CANARY_E_EMPTY_TABLE, CANARY_E_WEIGHT_SUM, CANARY_E_WEIGHT_RANGE].map(\.rawValue).contains(corruption.status) {
                #expect(canary_route_pick(page, 1, nil, 100) == -3, "the raw pick never answers from a refused table")
            }
            if let late = try? RoutePage(name: name, model: "fraud", openMode: .attachOnly) {
                #expect(late.route(1) == nil)
                #expect(late.refusals >= 1)
            }
        }
    }

    @Test func seqlockResetToZeroIsRefusedByAReaderThatHadATable() async throws {
        try await withSegmentName("seqreset") { name in
            let writer = try RoutePage(name: name, model: "fraud")
            try writer.write(Self.good)
            let router = try RoutePage(name: name, model: "fraud", openMode: .attachOnly)
            let before = router.route(42)
            try Scribbler(name).set64(RouteOffsets.seq, 0)
            #expect(router.route(42) == before)
            #expect(router.lastRefusal?.description.contains("went back to 0") == true)
        }
    }

    @Test func aFullLengthLabelIsReadWithoutATerminator() async throws {
        try await withSegmentName("label56") { name in
            let page = try RoutePage(name: name, model: "fraud")
            let long = String(repeating: "x", count: 56)
            try page.write(RouteTable(epoch: 1, sequence: 1, phase: .promoted, entries: [RouteEntry(version: long, weightPPM: 1_000_000)]))
            let router = try RoutePage(name: name, model: "fraud", openMode: .attachOnly)
            #expect(router.route(7) == long && router.refusals == 0)
        }
    }

    @Test func theOwnerRestoresWhatItWrote() async throws {
        try await withSegmentName("restore") { name in
            let page = try RoutePage(name: name, model: "fraud")
            #expect(page.restoreIfChanged() == .nothingWritten)
            try page.write(Self.good)
            #expect(page.restoreIfChanged() == .intact)
            let scribbler = try Scribbler(name)
            scribbler.set32(RouteOffsets.weight(0), 150_000)
            scribbler.bumpSeq()
            guard case .restored(let why) = page.restoreIfChanged() else { Issue.record("not restored"); return }
            #expect(why.contains("weights sum to 900000"))
            #expect(try page.read() == Self.good)
            // A valid table the owner did not write is put back too.
            scribbler.set32(RouteOffsets.weight(0), 1_000_000)
            scribbler.set32(RouteOffsets.weight(1), 0)
            scribbler.bumpSeq()
            guard case .restored(let why2) = page.restoreIfChanged() else { Issue.record("not restored"); return }
            #expect(why2.contains("behind the writer's back"))
            // A newer table of the same epoch (another writer of a shared page) is left.
            scribbler.set64(144, Self.good.sequence + 1)
            scribbler.bumpSeq()
            #expect(page.restoreIfChanged() == .newerTable)
            scribbler.set64(144, Self.good.sequence - 1)
            scribbler.bumpSeq()
            guard case .restored = page.restoreIfChanged() else { Issue.record("an older table was not replaced"); return }
            // Header words and a stuck seqlock as well.
            scribbler.set64(RouteOffsets.magic, 0xDEAD)
            scribbler.set64(RouteOffsets.seq, scribbler.u64(RouteOffsets.seq) | 1)
            guard case .restored(let why3) = page.restoreIfChanged() else { Issue.record("not restored"); return }
            #expect(why3.contains("magic word"))
            #expect(try page.read() == Self.good)
            #expect(page.restoreIfChanged() == .intact)
        }
    }
}

/// The route page mapped read-only, as a C router would map it.
func canaryPage(_ name: String) -> UnsafeMutableRawPointer? {
    let fd = shm_open(name, O_RDONLY, 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    guard let p = mmap(nil, 4096, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else { return nil }
    return p // unmapped at process exit: a few pages per test run
}
