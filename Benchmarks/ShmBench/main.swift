// shm-bench: cost of recording a sample, draining the ring and routing a key,
// side by side with their baselines, in one run on one machine.
//
//   swift run -c release shm-bench
//
// Rows (ns per operation, single thread, uncontended):
//   C floor      the same fetch-add claim + 64-byte record + release commit
//                as a plain C loop (canary_bench_floor), timestamp included
//   Swift        SampleRecorder.record (busy mark, check word, Optionals)
//   Python       canary_shm.Recorder.record through the C extension (timeit)
//   prometheus   prometheus_client Histogram.observe (timeit), what a Python
//                user would otherwise pick
// plus the reader's drain rate and route(key).
import CanaryShm
import CCanaryShm
import CCanaryShmTesting
import Foundation

let clock = ContinuousClock()

func nanoseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
}

/// Best of `rounds` timings of `body(n)`, in ns per operation.
func bestOf(_ n: Int, rounds: Int = 5, _ body: (Int) -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        let t = clock.measure { body(n) }
        best = min(best, nanoseconds(t) / Double(n))
    }
    return best
}

func row(_ name: String, _ ns: Double?, _ base: Double, note: String = "") {
    guard let ns else { print(name.padding(toLength: 38, withPad: " ", startingAt: 0) + note); return }
    print(name.padding(toLength: 38, withPad: " ", startingAt: 0)
        + String(format: "%8.1f ns  %6.2f×  ", ns, ns / base) + note)
}

/// Runs a Python timeit snippet; returns ns per call or nil (with the reason).
func python(_ setup: String, _ stmt: String, number: Int) -> (Double?, String) {
    let script = """
        import timeit, sys
        try:
            exec(\(pyString(setup)))
        except ImportError as e:
            print("missing", e.name); sys.exit(0)
        t = min(timeit.repeat(\(pyString(stmt)), globals=globals(), number=\(number), repeat=5))
        print("ns", t / \(number) * 1e9)
        """
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return (nil, "skipped: python3 not found") }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let parts = text.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    if parts.first == "ns", parts.count > 1, let v = Double(parts[1]) { return (v, "") }
    return (nil, "skipped: \(parts.dropFirst().joined(separator: " ")) not importable")
}

func pyString(_ s: String) -> String {
    "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        .replacingOccurrences(of: "\n", with: "\\n") + "'"
}

let name = "/canary-bench.\(getpid())"
let config = RingConfiguration(name: name, model: "bench", version: "v1", capacity: 1 << 16)
defer { _ = try? unlinkSharedSegment(name) }
let recorder = try SampleRecorder(config)
let reader = try SampleReader(config)
var ring = canary_ring_bind(UnsafeMutablePointer(mutating: try mappedHeader()))

/// The C floor needs the raw ring: map the segment a second time through C.
func mappedHeader() throws -> UnsafePointer<canary_ring_header> {
    let fd = shm_open(name, O_RDWR, 0)
    guard fd >= 0, let p = mmap(nil, Int(canary_ring_size(1 << 16)), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0),
          p != MAP_FAILED else { fatalError("cannot map \(name)") }
    close(fd)
    return UnsafePointer(p.assumingMemoryBound(to: canary_ring_header.self))
}

let n = 5_000_000
print("shm-bench: ns per operation, best of 5 (record rows: best of 7 interleaved), one thread (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n")

// MARK: record
// Interleaved rounds, best of each: on a shared machine the rows see the
// same background load, so the ratio is not an artefact of when each ran.
var floor = Double.infinity, swiftDuration = Double.infinity, swift = Double.infinity
for _ in 0..<7 {
    floor = min(floor, bestOf(n, rounds: 1) { k in canary_bench_floor(&ring, UInt64(k)) })
    swiftDuration = min(swiftDuration, bestOf(n, rounds: 1) { k in
        for i in 0..<k { recorder.record(latency: .nanoseconds(i), prediction: .classIndex(3), confidence: 0.9, key: UInt64(i)) }
    })
    swift = min(swift, bestOf(n, rounds: 1) { k in
        for i in 0..<k {
            recorder.record(latencyNanoseconds: UInt64(i), status: .ok, prediction: .classIndex(3), confidence: 0.9, key: UInt64(i))
        }
    })
}
let (py, pyNote) = python(
    "import canary_shm\nr = canary_shm.Recorder('\(name)', 'bench', 'v1')",
    "r.record(0.0123, status=0, prediction=3, confidence=0.9, key=42)", number: 1_000_000)
let (prom, promNote) = python(
    "from prometheus_client import Histogram, CollectorRegistry\nh = Histogram('latency_seconds', 'x', registry=CollectorRegistry())",
    "h.observe(0.0123)", number: 200_000)

print("record one sample                        ns/op   × floor")
row("(a) C floor (canary_bench_floor)", floor, floor)
row("(b) Swift record(latency: Duration)", swiftDuration, floor,
    note: swiftDuration <= 1.3 * floor ? "target ≤ 1.3× met" : "target ≤ 1.3× MISSED")
row("    record(latencyNanoseconds:)", swift, floor)
row("(c) Python Recorder.record", py, floor, note: pyNote.isEmpty ? "" : pyNote + " — pip install ./clients/python")
row("(d) prometheus_client observe", prom, floor, note: promNote.isEmpty ? "" : promNote + " — pip install prometheus_client")
if let py, let prom {
    print(String(format: "    Python record / prometheus observe = %.2f (target ≤ 1: %@)", py / prom, py <= prom ? "met" : "MISSED"))
}

// MARK: drain
_ = reader.drain(maxCount: 1 << 17) // skip what the record rows left
let batch = UnsafeMutableBufferPointer<SampleRecord>.allocate(capacity: 4096)
defer { batch.deallocate() }
var drained = 0
var drainTime = Duration.zero
for _ in 0..<100 {
    for i in 0..<(1 << 16) { recorder.record(latencyNanoseconds: UInt64(i), key: UInt64(i)) } // refill, untimed
    drainTime += clock.measure {
        while true {
            let r = reader.drain(into: batch)
            drained += r.delivered
            if r.delivered == 0 { break }
        }
    }
}
let rate = Double(drained) / (nanoseconds(drainTime) / 1e9)
print("\nreader drain (batches of 4096)           " + String(format: "%.1f M samples/s  (%.2f ns/sample; target ≥ 20 M/s: %@)",
      rate / 1e6, 1e9 / rate, rate >= 20e6 ? "met" : "MISSED"))

// MARK: route
let pageName = "/canary-bench-route.\(getpid())"
defer { _ = try? unlinkSharedSegment(pageName) }
let page = try RoutePage(name: pageName, model: "bench")
try page.write(RouteTable(epoch: 1, sequence: 1, phase: .progressing, entries: [
    RouteEntry(version: "v2", weightPPM: 50_000), RouteEntry(version: "v1", weightPPM: 950_000),
]))
var sink = 0
let routeIndex = bestOf(n) { k in for i in 0..<k { sink &+= page.routeIndex(UInt64(i)) ?? 0 } }
let routeLabel = bestOf(n / 5) { k in for i in 0..<k { sink &+= page.route(UInt64(i))?.utf8.count ?? 0 } }
print("\nroute a key                              ns/op")
row("RoutePage.routeIndex(key)", routeIndex, routeIndex, note: routeIndex <= 20 ? "target ≤ 20 ns met" : "target ≤ 20 ns MISSED")
row("RoutePage.route(key) -> String", routeLabel, routeIndex)
print("(checksum \(sink & 1))")
