import CanaryCore
import CanaryWire
import Foundation
import Testing

/// A seeded, time-bounded fuzz loop over the decoder, the window checks and
/// the merge: random bytes, mutations of valid bodies, and structured
/// windows whose every number is drawn from the edges (0, 2⁵³±1, 2⁶³, 2⁶⁴−1…).
/// Anything that decodes and passes the checks must merge (or be refused
/// with a `WindowError`), answer its quantiles, export and round-trip —
/// a trap anywhere fails the run. Seed and budget: `CANARY_FUZZ_SEED`,
/// `CANARY_FUZZ_SECONDS` (default 6 s; CI runs it with the suite).
@Suite("Wire fuzz")
struct WireFuzzTests {
    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
    }

    static let edges: [UInt64] = [0, 1, 2, 10, 100_000, (1 << 32) - 1, 1 << 32, (1 << 53) - 1, 1 << 53, (1 << 53) + 1,
                                  1 << 60, (1 << 63) - 1, 1 << 63, UInt64.max - 4, UInt64.max]

    static func number(_ rng: inout RNG) -> UInt64 {
        rng.below(3) == 0 ? rng.next() >> UInt64(rng.below(64)) : edges[rng.below(edges.count)]
    }

    static func time(_ rng: inout RNG) -> Int64 {
        let pool: [Int64] = [.min, -1, 0, 1_000, 2_000, 1_764_000_000_000, 1_764_000_001_000, .max]
        return rng.below(2) == 0 ? pool[rng.below(pool.count)] : Int64(bitPattern: rng.next())
    }

    /// A structured hostile window: plausible shape, hostile numbers.
    static func hostile(_ rng: inout RNG) -> Canary_V1_Window {
        var w = Canary_V1_Window()
        w.agentID = ["a", "b", "", String(repeating: "x", count: 300)][rng.below(4)]
        w.agentEpoch = number(&rng)
        w.sequence = number(&rng)
        w.model = "m"
        w.version = ["v1", "v2"][rng.below(2)]
        w.startMs = time(&rng)
        w.endMs = rng.below(2) == 0 ? w.startMs &+ 1_000 : time(&rng)
        let buckets = rng.below(5) == 0 ? rng.below(6_000) : rng.below(20)
        var value: UInt64 = 1
        var total: UInt64 = 0
        w.latency.settings = Canary_V1_HistogramSettings(HistogramSettings.fleetDefault)
        for _ in 0..<buckets {
            value &+= UInt64(rng.below(2) == 0 ? 1 : rng.below(100_000))
            let count = rng.below(4) == 0 ? number(&rng) : UInt64(rng.below(1_000))
            w.latency.values.append(rng.below(30) == 0 ? number(&rng) : value)
            w.latency.counts.append(count)
            total &+= count
        }
        w.latency.totalCount = rng.below(10) == 0 ? number(&rng) : total
        w.requestCount = rng.below(10) == 0 ? number(&rng) : total
        w.errors.clientError = rng.below(3) == 0 ? number(&rng) : 0
        w.errors.serverError = rng.below(3) == 0 ? number(&rng) : 0
        w.errors.timeout = rng.below(3) == 0 ? number(&rng) : 0
        w.labeledCount = number(&rng)
        w.correctCount = rng.below(2) == 0 ? number(&rng) : w.labeledCount / 2
        for _ in 0..<rng.below(rng.below(20) == 0 ? 3_000 : 8) {
            var entry = Canary_V1_ClassCount()
            entry.classID = Int32(truncatingIfNeeded: rng.next())
            entry.count = number(&rng)
            w.predictionClasses.append(entry)
        }
        if rng.below(4) == 0 {
            let n = rng.below(rng.below(10) == 0 ? 400 : 5)
            w.scoreBinEdges = (0..<n).map { Double($0) / 10 + (rng.below(20) == 0 ? .nan : 0) }
            w.scoreBins = (0..<(n + rng.below(2))).map { _ in number(&rng) }
        }
        w.ringLost = number(&rng)
        w.ringOverrun = number(&rng)
        return w
    }

    static func mutate(_ bytes: [UInt8], _ rng: inout RNG) -> [UInt8] {
        var b = bytes
        for _ in 0..<(1 + rng.below(8)) {
            switch rng.below(5) {
            case 0 where !b.isEmpty: b[rng.below(b.count)] ^= UInt8(1 << rng.below(8))
            case 1 where !b.isEmpty: b.removeSubrange(rng.below(b.count)..<b.count)
            case 2: b.insert(UInt8(truncatingIfNeeded: rng.next()), at: rng.below(b.count + 1))
            case 3:  // a maximal varint spliced in
                b.insert(contentsOf: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], at: rng.below(b.count + 1))
            default: b += (0..<rng.below(16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return b
    }

    /// Everything the coordinator does with an accepted window, none of which may trap.
    static func exercise(_ window: Window, with other: Window?) -> Bool {
        _ = window.latency.buckets
        _ = window.latency.quantile(0.99)
        _ = window.latency.countAbove(micros: 10_000)
        _ = VersionSummary(window)
        _ = window.countsProblem()
        let roundTrip = try? Window(wire: Canary_V1_Window(window))
        guard roundTrip == window else { return false }
        var merged = window
        for _ in 0..<3 {
            guard (try? merged.merge(merged)) != nil else { break }
        }
        if let other, let both = try? merged.merged(with: other) {
            _ = both.latency.quantile(0.5)
            _ = both.latency.buckets
            guard both.requestCount <= WindowBounds.maxCount else { return false }
        }
        return true
    }

    @Test("random, mutated and hostile windows never trap and accepted ones stay within 2^53")
    func fuzz() async {
        // On a thread of its own: an 8 s loop on the cooperative pool (two
        // threads on a 2-core machine) would starve every other suite.
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let thread = Thread { continuation.resume(returning: Self.run()) }
            thread.name = "wire-fuzz"
            thread.start()
        }
        for failure in outcome.failures.prefix(20) { Issue.record(Comment(rawValue: failure)) }
        #expect(outcome.failures.isEmpty, "\(outcome.failures.count) accepted windows misbehaved")
        let (iterations, accepted, reasons) = (outcome.iterations, outcome.accepted, outcome.reasons)
        // The loop reached every kind of refusal and still accepted some windows.
        for reason in ["malformed_body", "count_out_of_range", "implausible_time", "implausible_sequence",
                       "too_many_entries", "inconsistent_body"] {
            #expect(reasons[reason, default: 0] > 0, "no \(reason) in \(iterations) iterations: \(reasons)")
        }
        #expect(accepted > 0 && iterations >= Self.minimumIterations, "\(iterations) iterations, \(accepted) accepted, \(reasons)")
    }

    struct Outcome: Sendable {
        var iterations: Int
        var accepted: Int
        var reasons: [String: Int]
        var failures: [String]
    }

    static let minimumIterations = 1_500

    static func run() -> Outcome {
        var failures: [String] = []
        let env = ProcessInfo.processInfo.environment
        let seed = env["CANARY_FUZZ_SEED"].flatMap(UInt64.init) ?? 0x11_2026
        let seconds = env["CANARY_FUZZ_SECONDS"].flatMap(Double.init) ?? 6
        var rng = RNG(state: seed)
        // At least `seconds`, and at least the first `minimum` inputs of the
        // seeded sequence however slow the machine (within a hard cap), so
        // what is covered does not depend on the load.
        let minimum = env["CANARY_FUZZ_MIN_ITERATIONS"].flatMap(Int.init) ?? minimumIterations
        let deadline = Date().addingTimeInterval(seconds)
        let cap = Date().addingTimeInterval(max(seconds, 120))
        let valid = try! (Canary_V1_Window(Window(agentID: "a", agentEpoch: 1, sequence: 1, model: "m", version: "v1",
                                                  startMs: 1_000, endMs: 2_000)).serializedBytes() as [UInt8])
        var iterations = 0
        var accepted = 0
        var reasons: [String: Int] = [:]
        var previous: Window?
        while iterations < minimum || Date() < deadline, iterations < 2_000_000, Date() < cap {
            iterations += 1
            let body: [UInt8]
            switch rng.below(4) {
            case 0: body = (0..<rng.below(256)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            case 1: body = Self.mutate(valid, &rng)
            case 2: body = Self.mutate((try? Self.hostile(&rng).serializedBytes()) ?? [], &rng)
            default: body = (try? Self.hostile(&rng).serializedBytes()) ?? []
            }
            let message: WireMessage
            do {
                message = try WireMessage.decode([WireFormat.kindFrame(.window), body])
            } catch {
                reasons[error.code.description, default: 0] += 1
                continue
            }
            guard case .window(let wire) = message else { continue }
            do {
                let window = try Window(wire: wire)
                accepted += 1
                if window.countsProblem() != nil { failures.append("accepted window with bad counts: \(wire)") }
                if !Self.exercise(window, with: previous) { failures.append("accepted window misbehaved: \(wire)") }
                previous = window
            } catch {
                reasons[error.code.description, default: 0] += 1
            }
        }
        return Outcome(iterations: iterations, accepted: accepted, reasons: reasons, failures: failures)
    }
}
