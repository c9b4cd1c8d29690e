import Foundation
import Testing

@testable import CanaryCore

@Suite("canary replay")
struct ReplayTests {
    static let plan = Fixture.plan(steps: [100_000, 1_000_000], minDurationMs: 5_000, minSamples: 50)

    /// Both versions' rows for every request: `canaryErrorRate` for v2.
    static func trace(seconds: Int = 20, rps: Int = 200, canaryErrorRate: Double = 0, seed: UInt64 = 1) -> String {
        var rng = TestRNG(seed: seed)
        var lines = ["t_ms,key,version,latency_ms,status,prediction,label"]
        for i in 0..<(seconds * rps) {
            let t = i * 1000 / rps
            let key = rng.next()
            let label = Int(rng.next() % 3)
            for version in ["v1", "v2"] {
                let p = version == "v2" ? canaryErrorRate : 0.002
                let failed = Double(rng.next() % 1_000_000) / 1_000_000 < p
                lines.append("\(t),\(key),\(version),\(10 + Double(rng.next() % 1000) / 100),\(failed ? "server_error" : "ok"),\(label),\(label)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func healthyTraceIsPromotedAndOutputIsDeterministic() throws {
        let csv = Self.trace()
        let first = try TraceReplayer(plan: Self.plan).run(csv: csv)
        let second = try TraceReplayer(plan: Self.plan).run(csv: csv)
        #expect(first.outcome == .promoted)
        #expect(first.decisions.map(\.action) == [.advance, .advance, .promote])
        #expect(ReplayOutput.lines(for: first) == ReplayOutput.lines(for: second))
        let lines = ReplayOutput.lines(for: first)
        #expect(lines.first == #"{"action":"advance","evidence":{},"reason":"rollout started at 10%","t_ms":0,"weights_ppm":{"v1":900000,"v2":100000}}"#)
        #expect(lines.last?.hasPrefix(#"{"summary":{"#) == true)
        #expect(lines.last?.contains(#""outcome":"promoted""#) == true)
    }

    @Test func badCanaryIsRolledBack() throws {
        let result = try TraceReplayer(plan: Self.plan).run(csv: Self.trace(canaryErrorRate: 0.3))
        #expect(result.outcome == .rolledBack)
        #expect(result.decisions.last?.action == .rollback)
        #expect(ReplayOutput.lines(for: result).last?.contains(#""outcome":"rolled_back""#) == true)
    }

    @Test func requestsAreRoutedByTheStickyHash() throws {
        let result = try TraceReplayer(plan: Fixture.plan(steps: [100_000, 1_000_000], minDurationMs: 1_000_000)).run(csv: Self.trace(seconds: 10))
        let canary = result.machine.summaries["v2"]?.requests ?? 0
        let baseline = result.machine.summaries["v1"]?.requests ?? 0
        #expect(canary + baseline == 2000)
        // Exactly the keys whose bucket is under 10 %.
        var rng = TestRNG(seed: 1)
        var expected: UInt64 = 0
        for _ in 0..<2000 {
            let key = rng.next()
            _ = rng.next()
            for _ in 0..<2 { _ = rng.next(); _ = rng.next() }
            if RouteHash.isCanary(key, canaryPPM: 100_000) { expected += 1 }
        }
        #expect(canary == expected)
    }

    @Test func singleRowsAreUsedAsRecorded() throws {
        var csv = "t_ms,key,version,latency_ms,status,prediction,label\n"
        for i in 0..<100 { csv += "\(i * 10),\(i),\(i % 2 == 0 ? "v1" : "v2"),5,ok,,\n" }
        let result = try TraceReplayer(plan: Self.plan).run(csv: csv)
        #expect(result.machine.summaries["v1"]?.requests == 50)
        #expect(result.machine.summaries["v2"]?.requests == 50)
        #expect(result.outcome == .inProgress)
    }

    @Test func malformedRowsAreReportedWithTheirLine() throws {
        let csv = """
            t_ms,key,version,latency_ms,status,prediction,label
            0,1,v1,5,ok,,
            x,2,v1,5,ok,,
            10,3,v1,5,maybe,,
            20,-4,v1,5,ok,,
            30,5,v1,5,ok,one,
            40,6,v1
            50,7,v1,-1,ok,,
            60,8,v1,5,timeout,2,2
            70,9,v2,5,ok,,
            """
        let result = try TraceReplayer(plan: Self.plan).run(csv: csv)
        #expect(result.issues.map(\.line) == [3, 4, 5, 6, 7, 8])
        #expect(result.issues[1].message.contains("status \"maybe\""))
        #expect(result.machine.summaries["v1"]?.requests == 2)
        #expect(ReplayOutput.summary(for: result).contains(#""malformed_rows":6"#))
    }

    @Test func headerIsRequired() {
        #expect(throws: TraceIssue(line: 1, message: "the header lacks t_ms, key, version, latency_ms, status, prediction, label (it has a,b,c); expected a header naming the columns t_ms,key,version,latency_ms,status,prediction,label (in any order; others are ignored)")) {
            try TraceCSV.parse("a,b,c\n1,2,3\n")
        }
    }
}
