import Foundation
import Testing

/// `canary replay TRACE` on files people really have: written by Python's
/// own `csv` module (CRLF line ends, quoting as it pleases).
@Suite("Replay of a Python-written trace")
struct TraceReplayCLITests {
    /// Writes a trace with `csv.writer` (dialect excel: CRLF), a byte-order
    /// mark (utf-8-sig, as Excel does), the columns in another order and an
    /// extra `note` column holding commas, quotes and line ends. Both
    /// versions answer every request (v2 with `canary_error` server errors).
    static func pythonTrace(versions: [String] = ["v1", "v2"], canaryError: Double = 0) async throws -> String {
        let path = Unique.directory() + "/trace.csv"
        let result = try await CLIProcess.python([
            "-c", """
            import csv, random, sys
            path, versions, canary_error = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3])
            rng = random.Random(7)
            with open(path, "w", newline="", encoding="utf-8-sig") as f:
                w = csv.writer(f)
                w.writerow(["note", "version", "t_ms", "key", "status", "latency_ms", "label", "prediction"])
                for i in range(6000):
                    t, key, label = i * 1000 // 300, rng.getrandbits(63), rng.randrange(3)
                    for v in versions:
                        bad = v == versions[-1] and rng.random() < canary_error
                        note = 'said "hi", twice\\non two lines' if i % 97 == 0 else ""
                        w.writerow([note, v, t, key, "server_error" if bad else "ok", round(10 + rng.random() * 5, 3), label, label])
            """, path, versions.joined(separator: ","), String(canaryError),
        ])
        #expect(result.status == 0, "\(result)")
        return path
    }

    static func plan(baseline: String = "v1", canary: String = "v2") throws -> String {
        let path = Unique.directory() + "/plan.yaml"
        try """
            model: traced
            baseline: \(baseline)
            canary: \(canary)
            steps: [10%, 100%]
            bake:
              min_duration: 5s
              min_samples_per_arm: 100
              max_duration: 5s
            analysis_window: 10s
            on_breach: rollback
            # This test is about reading the file: advance once baked.
            on_inconclusive: advance
            guards:
              - metric: error_rate
                max: 20%
                tolerance: 50%
                margin: 1%
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a trace written by Python's csv module replays through the real binary; its extra column is named")
    func pythonTraceReplays() async throws {
        let trace = try await Self.pythonTrace()
        let bytes = try #require(FileManager.default.contents(atPath: trace))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]) && String(decoding: bytes.prefix(200), as: UTF8.self).contains("\r\n"))
        let healthy = try await CLIProcess.run(["replay", "--plan", try Self.plan(), trace])
        #expect(healthy.status == 0, "\(healthy)")
        #expect(healthy.stdout.split(separator: "\n").last?.contains(#""malformed_rows":0,"outcome":"promoted""#) == true, "\(healthy)")
        #expect(healthy.stderr == "\(trace):1: note: ignoring the columns \"note\" (replay uses t_ms,key,version,latency_ms,status,prediction,label)\n", "\(healthy)")

        let failing = try await CLIProcess.run(["replay", "--plan", try Self.plan(), try await Self.pythonTrace(canaryError: 0.4)])
        #expect(failing.status == 0 && failing.stdout.contains(#""outcome":"rolled_back""#), "\(failing)")
    }

    @Test("a plan whose versions are not in the trace is refused, naming both")
    func versionsMissing() async throws {
        let trace = try await Self.pythonTrace()
        let neither = try await CLIProcess.run(["replay", "--plan", try Self.plan(baseline: "v41", canary: "v42"), trace])
        #expect(neither.status == 2, "\(neither)")
        #expect(neither.stderr.contains("\(trace): the trace has versions v1, v2; the plan names baseline v41 and canary v42"), "\(neither)")
        #expect(neither.stdout.isEmpty, "\(neither)")
        let oneMissing = try await CLIProcess.run(["replay", "--plan", try Self.plan(canary: "v3"), trace])
        #expect(oneMissing.status == 2 && oneMissing.stderr.contains("no row of the plan's canary v3"), "\(oneMissing)")
        let unterminated = Unique.directory() + "/cut.csv"
        try "t_ms,key,version,latency_ms,status,prediction,label\r\n0,1,\"v1,5,ok,,\r\n".write(toFile: unterminated, atomically: true, encoding: .utf8)
        let cut = try await CLIProcess.run(["replay", "--plan", try Self.plan(), unterminated])
        #expect(cut.status == 2 && cut.stderr.hasPrefix("\(unterminated):2: the quoted field 3 opened on this line is never closed"), "\(cut)")
    }
}
