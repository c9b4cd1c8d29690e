import CanaryShm
import Foundation
import Testing

@Suite struct RoutePageTests {
    static func split(canary: UInt32, sequence: UInt64) -> RouteTable {
        RouteTable(epoch: 7, sequence: sequence, phase: .progressing, entries: [
            RouteEntry(version: "canary-\(sequence)", weightPPM: canary),
            RouteEntry(version: "baseline-\(sequence)", weightPPM: 1_000_000 - canary),
        ])
    }

    /// Readers never see a half-written table while a writer changes it
    /// thousands of times: labels, weights and sequence always agree.
    @Test func concurrentReadersNeverSeeATornTable() async throws {
        try await withSegmentName("route") { name in
            let writer = try RoutePage(name: name, model: "fraud")
            let reader = try RoutePage(name: name, model: "fraud")
            try writer.write(Self.split(canary: 0, sequence: 0))
            let writes: UInt64 = 20_000
            let done = DoneCounter()
            Thread.detachNewThread {
                for s in 1...writes {
                    try? writer.write(Self.split(canary: UInt32(s * 37 % 1_000_001), sequence: s))
                }
                done.increment()
            }
            var reads = 0, torn = 0, lastSequence: UInt64 = 0, backwards = 0
            while done.value == 0 || reads < 1000 {
                let t = try reader.read()
                reads += 1
                let s = t.sequence
                let sum = t.entries.reduce(0) { $0 + UInt64($1.weightPPM) }
                if sum != 1_000_000 || t.entries.count != 2 || t.entries[0].version != "canary-\(s)"
                    || t.entries[1].version != "baseline-\(s)" || t.entries[0].weightPPM != UInt32(s * 37 % 1_000_001)
                    || t.epoch != 7 || t.phase != .progressing {
                    torn += 1
                }
                if s < lastSequence { backwards += 1 }
                lastSequence = s
                _ = reader.route(s) // exercises the pick + label cache under churn
            }
            #expect(torn == 0, "\(torn) torn tables in \(reads) reads")
            #expect(backwards == 0)
            #expect(try reader.read().sequence == writes)
        }
    }

    /// As the canary grows from 1 % to 100 %, no key ever moves back from
    /// canary to baseline, and the canary's share tracks its weight.
    @Test func routingIsStickyAsTheCanaryGrows() async throws {
        try await withSegmentName("sticky") { name in
            let page = try RoutePage(name: name, model: "fraud")
            let keys = 50_000
            var onCanary = [Bool](repeating: false, count: keys)
            var movedBack = 0
            for percent in 1...100 {
                let w = UInt32(percent * 10_000)
                try page.write(RouteTable(epoch: 1, sequence: UInt64(percent), phase: .progressing, entries: [
                    RouteEntry(version: "v2", weightPPM: w), RouteEntry(version: "v1", weightPPM: 1_000_000 - w),
                ]))
                var count = 0
                for k in 0..<keys {
                    let canary = page.routeIndex(UInt64(k)) == 0
                    if onCanary[k] && !canary { movedBack += 1 }
                    onCanary[k] = canary
                    if canary { count += 1 }
                }
                let share = Double(count) / Double(keys)
                #expect(abs(share - Double(percent) / 100) < 0.01, "canary share \(share) at \(percent) %")
            }
            #expect(movedBack == 0)
            #expect(onCanary.allSatisfy { $0 })
            #expect(page.route(42) == "v2")
        }
    }

    @Test func routeUsesTheLabelOfTheCurrentTable() async throws {
        try await withSegmentName("label") { name in
            let page = try RoutePage(name: name, model: "fraud")
            #expect(page.route(1) == nil, "no table yet")
            try page.write(RouteTable(epoch: 1, sequence: 1, phase: .promoted, entries: [RouteEntry(version: "v2", weightPPM: 1_000_000)]))
            #expect(page.route(1) == "v2")
            try page.write(RouteTable(epoch: 1, sequence: 2, phase: .rolledBack, entries: [
                RouteEntry(version: "v2", weightPPM: 0), RouteEntry(version: "v1", weightPPM: 1_000_000),
            ]))
            #expect(page.route(1) == "v1")
            #expect(try page.read().phase == .rolledBack)
        }
    }

    @Test(arguments: [
        ([("a", 500_000), ("b", 400_000)], "sum to 900000"),
        ([], "no entries"),
        ((0..<9).map { ("v\($0)", $0 == 0 ? 1_000_000 - 8 : 1) }, "at most 8"),
        ([("a", 500_000), ("a", 500_000)], "twice"),
        ([("", 1_000_000)], "empty version label"),
        ([(String(repeating: "x", count: 57), 1_000_000)], "longer than 56"),
    ] as [([(String, UInt32)], String)])
    func nonsenseTablesAreRejected(entries: [(String, UInt32)], why: String) async throws {
        try await withSegmentName("reject") { name in
            let page = try RoutePage(name: name, model: "fraud")
            let good = RouteTable(epoch: 1, sequence: 1, phase: .progressing, entries: [RouteEntry(version: "v1", weightPPM: 1_000_000)])
            try page.write(good)
            let bad = RouteTable(epoch: 1, sequence: 2, phase: .progressing, entries: entries.map { RouteEntry(version: $0.0, weightPPM: $0.1) })
            let error = #expect(throws: ShmError.self) { try page.write(bad) }
            #expect(error?.code == .invalidRouteTable)
            #expect(error?.description.contains(why) == true, "\(String(describing: error))")
            #expect(try page.read() == good, "a rejected table leaves the page untouched")
        }
    }
}
