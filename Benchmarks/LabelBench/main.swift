// label-bench: what a late label costs, next to the plain ring record
// measured in the same run.
//
//   swift run -c release label-bench
//
// Rows:
//   writer   ns per call on the model server: the plain inference record
//            (reference), a label alone (joined by the agent) and a label
//            with its prediction (self-contained, for any ring of the
//            serving version: another replica, a central feed)
//   agent    ns per sample in the agent: WindowBuilder.add alone
//            (reference) and LabelJoin.pass in front of it, for an
//            inference and its label
//   memory   bytes per prediction held by the join (resident memory of a
//            full join of max_pending entries, over max_pending)
import CanaryCore
import CanaryShm
import Foundation

let clock = ContinuousClock()

func nanoseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9
}

/// Best of `rounds` timings of `body(n)`, in ns per operation.
func bestOf(_ n: Int, rounds: Int = 5, _ body: (Int) -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<rounds { best = min(best, nanoseconds(clock.measure { body(n) }) / Double(n)) }
    return best
}

func row(_ name: String, _ value: Double, _ base: Double, unit: String = "ns") {
    print(name.padding(toLength: 46, withPad: " ", startingAt: 0) + String(format: "%8.1f %@  %6.2f×", value, unit, value / base))
}

/// Resident bytes of this process (/proc/self/statm).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
}

let name = "/canary-label-bench.\(getpid())"
defer { _ = try? unlinkSharedSegment(name) }
let recorder = try SampleRecorder(RingConfiguration(name: name, model: "bench", version: "v1", capacity: 1 << 16))
let n = 2_000_000
print("label-bench: best of 5, one thread (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n")

// MARK: writer
var record = Double.infinity, bare = Double.infinity, predicted = Double.infinity
for _ in 0..<5 {
    record = min(record, bestOf(n, rounds: 1) { k in
        for i in 0..<k { recorder.record(latencyNanoseconds: UInt64(i), prediction: .classIndex(3), key: UInt64(i)) }
    })
    bare = min(bare, bestOf(n, rounds: 1) { k in for i in 0..<k { recorder.recordOutcome(key: UInt64(i), label: 3) } })
    predicted = min(predicted, bestOf(n, rounds: 1) { k in
        for i in 0..<k { recorder.recordOutcome(key: UInt64(i), label: 3, predicted: 3) }
    })
}
print("model server, per call                          ns/op   × record")
row("(a) record(prediction:key:)  [reference]", record, record)
row("(b) recordOutcome(key:label:)", bare, record)
row("(c) recordOutcome(key:label:predicted:)", predicted, record)

// MARK: agent
let pairs = 1_000_000
let samples = (0..<pairs).flatMap { i -> [Sample] in
    let key = UInt64(i) &* 0x9E37_79B9_7F4A_7C15 | 1
    return [Sample(timestampNs: Int64(i) * 1_000, key: key, predictedClass: Int32(i % 10)),
            Sample(kind: .outcome, timestampNs: Int64(i) * 1_000 + 500, key: key, label: Int32(i % 7))]
}
func builder() -> WindowBuilder {
    try! WindowBuilder(agentID: "bench", model: "bench", version: "v1", intervalMs: 1_000)
}
var closed = 0
let plain = bestOf(samples.count) { _ in
    var b = builder()
    for s in samples { closed &+= b.add(s).count }
}
let joined = bestOf(samples.count) { _ in
    var b = builder()
    var join = LabelJoin(horizonNs: 600_000_000_000, maxPending: 1_000_000)
    for s in samples { closed &+= b.add(join.pass(s)).count }
}
print("\nagent, per sample (an inference, later its label)  ns/op   × builder")
row("(d) WindowBuilder.add  [reference]", plain, plain)
row("(e) LabelJoin.pass + WindowBuilder.add", joined, plain)
print(String(format: "    the join adds %.1f ns per sample (%.1f ns per labeled inference)", joined - plain, 2 * (joined - plain)))

// MARK: memory
let maxPending = 1_000_000
let before = residentBytes()
var join = LabelJoin(horizonNs: .max / 2, maxPending: maxPending)
for i in 0..<(2 * maxPending) {
    _ = join.pass(Sample(timestampNs: Int64(i), key: UInt64(i + 1), predictedClass: 1))
}
let after = residentBytes()
print("\nmemory of a full join (max_pending \(maxPending), \(join.pendingCount) held, \(join.evicted) evicted)")
print(String(format: "    %.1f MB resident, %.0f bytes per prediction held", Double(after - before) / 1e6,
             Double(after - before) / Double(join.pendingCount)))
print("(checksum \(closed & 1))")
