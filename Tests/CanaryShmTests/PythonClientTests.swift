import CanaryShm
import Foundation
import Testing

/// The Python client (clients/python, built by pip from the same header)
/// writes samples the Swift reader reads back field for field. Not skipped
/// when the package is missing: CI must install it first.
@Suite struct PythonClientTests {
    /// Runs `python3 -c script`; fails the test with the fix if canary_shm is not installed.
    func runPython(_ script: String) throws -> String {
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = ["python3", "-c", "import canary_shm"]
        check.standardError = FileHandle.nullDevice
        try check.run()
        check.waitUntilExit()
        guard check.terminationStatus == 0 else {
            throw MissingPrerequisite(fix: "python3 cannot import canary_shm: run `pip install ./clients/python` before `swift test`")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "python failed: \(errors)")
        return output
    }

    @Test func pythonRecordsReadBackFieldForField() async throws {
        try await withSegmentName("py") { name in
            let config = RingConfiguration(name: name, model: "fraud", version: "v2")
            let reader = try SampleReader(config) // the agent starts first here
            let out = try runPython("""
                import canary_shm as c
                r = c.Recorder("\(name)", "fraud", "v2")
                r.record(0.0125, status="ok", prediction=3, confidence=0.75, key=11)
                r.record(2.5e-06, status=c.TIMEOUT, prediction=0.25, key="user-42")
                r.record(1.0, status="server_error")
                r.record_outcome(11, label=4, correct=False)
                r.record_outcome(b"user-42", correct=True)
                print(r.capacity, r.created, c.key_hash("user-42"))
                """)
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "65536 False \(RequestKey.hash("user-42"))")
            let (r, result) = reader.drain(maxCount: 10)
            try #require(r.count == 5 && result.lost == 0)
            #expect(r[0].kind == .inference && r[0].status == .ok && r[0].latencyNanoseconds == 12_500_000)
            #expect(r[0].prediction == .classIndex(3) && r[0].confidence == 0.75 && r[0].key == 11)
            #expect(r[1].status == .timeout && r[1].latencyNanoseconds == 2500 && r[1].prediction == .score(0.25))
            #expect(r[1].confidence == nil && r[1].key == RequestKey.hash("user-42"))
            #expect(r[2].status == .serverError && r[2].latency == .seconds(1) && r[2].prediction == nil && r[2].key == 0)
            #expect(r[3].kind == .outcome && r[3].key == 11 && r[3].label == 4 && r[3].correct == false)
            #expect(r[4].kind == .outcome && r[4].key == RequestKey.hash("user-42") && r[4].label == nil && r[4].correct == true)
            let now = UInt64(Date().timeIntervalSince1970 * 1e9)
            #expect(r.allSatisfy { now - $0.timestampNanoseconds < 60_000_000_000 })
        }
    }

    @Test func pythonRoutesLikeSwift() async throws {
        try await withSegmentName("pyroute") { name in
            let page = try RoutePage(name: name, model: "fraud")
            try page.write(RouteTable(epoch: 3, sequence: 9, phase: .progressing, entries: [
                RouteEntry(version: "v2", weightPPM: 250_000), RouteEntry(version: "v1", weightPPM: 750_000),
            ]))
            let out = try runPython("""
                import canary_shm as c
                p = c.RoutePage("\(name)", "fraud")
                print(",".join(p.route(k) for k in range(2000)))
                t = p.table()
                print(t["epoch"], t["sequence"], t["phase"], t["entries"])
                """)
            let lines = out.split(separator: "\n").map(String.init)
            try #require(lines.count == 2)
            let swift = (0..<2000).map { page.route(UInt64($0)) ?? "?" }.joined(separator: ",")
            #expect(lines[0] == swift)
            #expect(lines[1] == "3 9 1 [('v2', 250000), ('v1', 750000)]")
        }
    }

    @Test func pythonRefusesAForeignSegment() async throws {
        try await withSegmentName("pyforeign") { name in
            _ = try RoutePage(name: name, model: "fraud")
            let out = try runPython("""
                import canary_shm as c
                try:
                    c.Recorder("\(name)", "fraud", "v2")
                except c.ShmError as e:
                    print(e)
                """)
            #expect(out.contains("wrong magic") && out.contains(name), "\(out)")
        }
    }
}
