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

    @Test("canary_shm.unlink removes the ring and the agent's checkpoint next to it")
    func pythonUnlinkRemovesCheckpoint() async throws {
        try await withSegmentName("pyck") { name in
            _ = try SampleRecorder(RingConfiguration(name: name, model: "m", version: "v1", capacity: 64))
            let checkpoint = "/dev/shm" + name + ".checkpoint"
            #expect(FileManager.default.createFile(atPath: checkpoint, contents: Data("{}".utf8)))
            let out = try runPython("""
                import canary_shm as c
                print(c.unlink("\(name)"), c.unlink("\(name)"))
                """)
            #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "True False")
            #expect(!FileManager.default.fileExists(atPath: checkpoint), "the checkpoint outlived its ring")
        }
    }

    /// A label known at inference time, an outcome that carries its
    /// prediction (for another replica's ring), and a label alone.
    @Test func pythonRecordsLabelsAndPredictedOutcomes() async throws {
        try await withSegmentName("pylabel") { name in
            let reader = try SampleReader(RingConfiguration(name: name, model: "fraud", version: "v2"))
            _ = try runPython("""
                import canary_shm as c
                r = c.Recorder("\(name)", "fraud", "v2")
                r.record(0.001, prediction=3, key=21, label=3)
                r.record(0.001, prediction=3, key=22, label=5)
                r.record_outcome(23, label=1, predicted=2)
                r.record_outcome("user-7", label=4)
                for bad in (2**31, "x"):
                    try:
                        r.record(0.001, prediction=1, label=bad)
                        raise SystemExit("label %r was accepted" % (bad,))
                    except (OverflowError, TypeError):
                        pass
                try:
                    r.record_outcome(1, label=1, predicted=-2**31 - 1)
                    raise SystemExit("predicted out of range was accepted")
                except OverflowError:
                    pass
                """)
            let (r, result) = reader.drain(maxCount: 10)
            try #require(r.count == 4 && result.lost == 0, "\(r.count) records")
            #expect(r[0].kind == .inference && r[0].prediction == .classIndex(3) && r[0].label == 3 && r[0].key == 21)
            #expect(r[1].kind == .inference && r[1].label == 5 && r[1].correct == nil)
            #expect(r[2].kind == .outcome && r[2].key == 23 && r[2].label == 1 && r[2].prediction == .classIndex(2) && r[2].correct == nil)
            #expect(r[3].kind == .outcome && r[3].key == RequestKey.hash("user-7") && r[3].label == 4 && r[3].prediction == nil)
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
            #expect(lines[1] == "3 9 progressing [('v2', 250000), ('v1', 750000)]", "the phase by name, as the API says it")
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

    /// The client once crashed (SIGSEGV) on a page whose count word says
    /// 200. Run in a subprocess: a crash fails this test (exit status), it
    /// cannot take the test runner down. The script corrupts the page with
    /// its own mmap, then checks a fresh reader (clear ShmError naming the
    /// cause) and one that had the good table (keeps routing with it).
    @Test func pythonRefusesCorruptPagesWithoutCrashing() async throws {
        try await withSegmentName("pycorrupt") { name in
            let page = try RoutePage(name: name, model: "fraud")
            try page.write(RouteTable(epoch: 3, sequence: 9, phase: .progressing, entries: [
                RouteEntry(version: "v2", weightPPM: 250_000), RouteEntry(version: "v1", weightPPM: 750_000),
            ]))
            let out = try runPython("""
                import mmap, os, struct, time
                import canary_shm as c
                NAME = "\(name)"
                fd = os.open("/dev/shm" + NAME, os.O_RDWR)
                m = mmap.mmap(fd, 4096)
                original = m[:]
                def u32(off, v): struct.pack_into("<I", m, off, v)
                def u64(off, v): struct.pack_into("<Q", m, off, v)
                def seq(): return struct.unpack_from("<Q", m, 128)[0]
                label = lambda i: 160 + 64 * i
                weight = lambda i: 160 + 64 * i + 56
                cases = [
                    ("count 200", "count word says 200 entries", lambda: u32(156, 200), True),
                    ("count 9", "count word says 9 entries", lambda: u32(156, 9), True),
                    ("count 0", "count word is 0", lambda: u32(156, 0), True),
                    ("sum", "weights sum to 900000 ppm", lambda: u32(weight(0), 150000), True),
                    ("negative", "over 1000000", lambda: u32(weight(0), 0xFFFFFFFF), True),
                    ("duplicate", "repeats the version label", lambda: m.__setitem__(slice(label(1), label(1) + 2), b"v2"), True),
                    ("utf8", "not valid UTF-8", lambda: m.__setitem__(slice(label(0), label(0) + 2), b"\\xc3\\x28"), True),
                    ("padding", "not NUL-padded", lambda: m.__setitem__(label(0) + 20, 0x41), True),
                    ("phase", "phase word is 77", lambda: u32(152, 77), True),
                    ("magic", "magic word is", lambda: u64(0, 0x41), True),
                    ("version", "layout version word is 9", lambda: u32(8, 9), True),
                    ("stuck", "stayed odd", lambda: u64(128, seq() | 1), False),
                ]
                keys = list(range(300))
                for i, (case, cause, corrupt, bump) in enumerate(cases):
                    m[:] = original
                    u64(128, 1000 + 2 * i * 1000)          # a fresh, even seq: a good table again
                    good = c.RoutePage(NAME, "fraud")
                    before = [good.route(k) for k in keys]
                    assert set(before) == {"v1", "v2"}, before
                    corrupt()
                    if bump: u64(128, seq() + 2)
                    started = time.monotonic()
                    after = [good.route(k) for k in keys]
                    took = time.monotonic() - started
                    assert after == before, (case, "routing changed")
                    assert took < 2, (case, "took", took)
                    assert good.refusals == 1, (case, good.refusals)
                    assert cause in good.last_error, (case, good.last_error)
                    try:
                        good.table(); raise AssertionError((case, "table() accepted a refused page"))
                    except c.ShmError as e:
                        assert cause in str(e) and NAME in str(e), (case, str(e))
                    try:
                        fresh = c.RoutePage(NAME, "fraud")
                    except c.ShmError as e:              # the open checks the header too
                        assert case in ("magic", "version"), (case, str(e))
                        print("ok", case, "(refused at open)"); continue
                    try:
                        fresh.route(1); raise AssertionError((case, "route() answered from a refused page"))
                    except c.ShmError as e:
                        assert cause in str(e), (case, str(e))
                    print("ok", case)
                m[:] = original
                """)
            let lines = out.split(separator: "\n").map(String.init)
            #expect(lines.count == 12 && lines.allSatisfy { $0.hasPrefix("ok ") }, "\(out)")
        }
    }
}
