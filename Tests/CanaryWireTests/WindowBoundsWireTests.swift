import CanaryCore
import CanaryWire
import Testing

/// Every number in a wire window is bounded before it is believed: each
/// hostile field is refused with its own reason, never a trap.
@Suite("Wire window bounds")
struct WindowBoundsWireTests {
    static func valid(requests: UInt64 = 10) -> Canary_V1_Window {
        var latency = LatencyHistogram()
        latency.record(micros: 1_500, count: requests)
        return Canary_V1_Window(Window(agentID: "a", agentEpoch: 1, sequence: 1, model: "m", version: "v1",
                                       startMs: 1_000, endMs: 2_000, requestCount: requests,
                                       statuses: StatusCounts(ok: requests), latency: latency))
    }

    static func code(_ wire: Canary_V1_Window, bounds: WindowBounds = .fleetDefault) -> String? {
        do {
            _ = try Window(wire: wire, bounds: bounds)
            return nil
        } catch {
            return error.code.description
        }
    }

    @Test func theValidWindowPasses() {
        #expect(Self.code(Self.valid()) == nil)
    }

    @Test("regression: server_error 2^64−5 plus timeout 10 with 10 requests is refused (the check wrapped)")
    func errorsThatWrap() {
        var w = Self.valid()
        w.errors.serverError = UInt64.max - 4
        w.errors.timeout = 10
        #expect(Self.code(w) == "count_out_of_range")
    }

    @Test("regression: a bucket count of 2^60 is refused on the wire")
    func bucketOf2To60() {
        var w = Self.valid()
        w.latency.counts = [1 << 60]
        w.latency.totalCount = 1 << 60
        w.requestCount = 1 << 60
        #expect(Self.code(w) == "count_out_of_range")
    }

    @Test("regression: sequences of 2^63 and more are refused (they trapped the dedupe mark)")
    func sequenceOf2To63() {
        var w = Self.valid()
        w.sequence = 1 << 63
        #expect(Self.code(w) == "implausible_sequence")
        w.sequence = UInt64.max
        #expect(Self.code(w) == "implausible_sequence")
        w.sequence = (1 << 63) - 1
        #expect(Self.code(w) == nil)
    }

    @Test("counts over 2^53 are refused, each field")
    func countsOver2To53() {
        let over = WindowBounds.maxCount + 1
        for mutate: (inout Canary_V1_Window) -> Void in [
            { $0.labeledCount = over; $0.correctCount = 0 }, { $0.ringLost = over }, { $0.ringOverrun = over },
            { $0.requestCount = over },
        ] {
            var w = Self.valid()
            mutate(&w)
            #expect(Self.code(w) == "count_out_of_range")
        }
        var classes = Self.valid()
        var entry = Canary_V1_ClassCount()
        entry.classID = 1
        entry.count = WindowBounds.maxCount
        classes.predictionClasses = [entry, entry]
        #expect(Self.code(classes) == "count_out_of_range")
        var bins = Self.valid()
        bins.scoreBinEdges = [0.5]
        bins.scoreBins = [WindowBounds.maxCount, 1]
        #expect(Self.code(bins) == "count_out_of_range")
    }

    @Test("latency buckets: at most the fleet limit, values strictly increasing")
    func bucketLimits() {
        var w = Self.valid(requests: 0)
        w.latency.values = (1...40).map { UInt64($0) }
        w.latency.counts = Array(repeating: 1, count: 40)
        w.latency.totalCount = 40
        w.requestCount = 40
        #expect(Self.code(w) == nil)
        #expect(Self.code(w, bounds: WindowBounds(maxLatencyBuckets: 39)) == "too_many_entries")
        w.latency.values[5] = w.latency.values[4]
        #expect(Self.code(w) == "inconsistent_body")
    }

    @Test("times: end before start, or longer than a window may be")
    func times() {
        var w = Self.valid()
        w.endMs = w.startMs
        #expect(Self.code(w) == "implausible_time")
        w.startMs = .min
        w.endMs = .max
        #expect(Self.code(w) == "implausible_time")
        w.startMs = 0
        w.endMs = 120_000
        #expect(Self.code(w) == "implausible_time")
        #expect(Self.code(w, bounds: WindowBounds(maxWindowMs: 120_000)) == nil)
    }

    @Test("classes, score bin edges and identity strings are bounded")
    func entries() {
        var w = Self.valid()
        w.predictionClasses = (0..<10).map { i in
            var e = Canary_V1_ClassCount()
            e.classID = Int32(i)
            e.count = 1
            return e
        }
        #expect(Self.code(w, bounds: WindowBounds(maxPredictionClasses: 9)) == "too_many_entries")
        var s = Self.valid()
        s.scoreBinEdges = [0.1, 0.2, 0.3]
        s.scoreBins = [0, 0, 0, 0]
        #expect(Self.code(s, bounds: WindowBounds(maxScoreBinEdges: 2)) == "too_many_entries")
        var id = Self.valid()
        id.model = String(repeating: "m", count: 257)
        #expect(Self.code(id) == "too_many_entries")
    }
}
