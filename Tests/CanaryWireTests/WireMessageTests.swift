import CanaryWire
import Testing

/// Every message type, filled with non-default values in every field kind
/// (strings, enums, repeated, nested), so a round trip proves the schema and
/// the framing carry them.
enum Samples {
    static var settings: Canary_V1_HistogramSettings {
        var s = Canary_V1_HistogramSettings()
        s.lowestDiscernibleValue = 1
        s.highestTrackableValue = 60_000_000
        s.significantDigits = 3
        s.unit = .microseconds
        return s
    }

    static var all: [WireMessage] {
        var hello = Canary_V1_Hello()
        hello.agentID = "host-a/replica-0"
        hello.host = "host-a"
        hello.model = "fraud"
        hello.version = "v2"
        hello.role = .canary
        hello.configDigest = String(repeating: "ab", count: 32)
        hello.agentEpoch = 1_764_000_000_123_456_789
        hello.protocolVersion = 1
        hello.softwareVersion = "0.1.0"
        hello.histogram = settings
        hello.scoreBinEdges = [0.1, 0.5, 0.9]
        hello.ringName = "/canary.fraud.0"
        hello.routePageName = "/canary.fraud.route"

        var window = Canary_V1_Window()
        window.agentID = "host-a/replica-0"
        window.agentEpoch = 7
        window.sequence = 42
        window.model = "fraud"
        window.version = "v2"
        window.startMs = 1_764_000_000_000
        window.endMs = 1_764_000_001_000
        window.requestCount = 1000
        window.errors.clientError = 3
        window.errors.serverError = 5
        window.errors.timeout = 1
        window.latency.settings = settings
        window.latency.values = [120, 4_500, 61_000]
        window.latency.counts = [900, 99, 1]
        window.latency.totalCount = 1000
        window.labeledCount = 80
        window.correctCount = 77
        window.predictionClasses = [1, 2, -1].map { id in
            var c = Canary_V1_ClassCount()
            c.classID = Int32(id)
            c.count = UInt64(100 + id)
            return c
        }
        window.scoreBinEdges = [0.1, 0.5, 0.9]
        window.scoreBins = [10, 20, 30, 40]
        window.ringLost = 2
        window.ringOverrun = 9

        var ack = Canary_V1_Ack()
        ack.agentID = "a"
        ack.agentEpoch = 7
        ack.sequence = 42
        ack.duplicate = true

        var heartbeat = Canary_V1_Heartbeat()
        heartbeat.agentID = "a"
        heartbeat.agentEpoch = 7
        heartbeat.sentMs = 1_764_000_000_500
        heartbeat.lastSequence = 42
        heartbeat.unackedWindows = 3
        heartbeat.routeSequence = 11
        heartbeat.ringLostTotal = 5
        heartbeat.ringOverrunTotal = 6
        heartbeat.windowsDroppedTotal = 1

        var table = Canary_V1_RouteTable()
        table.model = "fraud"
        table.epoch = 3
        table.sequence = 99
        table.phase = .progressing
        table.rolloutID = "r-1"
        table.weights = [("v2", 50_000), ("v1", 950_000)].map { pair in
            var w = Canary_V1_RouteWeight()
            w.version = pair.0
            w.weightPpm = UInt32(pair.1)
            return w
        }
        table.publishedMs = 1_764_000_000_999

        var snapshot = Canary_V1_SnapshotRequest()
        snapshot.agentID = "a"
        snapshot.model = "fraud"
        snapshot.haveSequence = 98

        var reject = Canary_V1_Reject()
        reject.agentID = "a"
        reject.agentEpoch = 7
        reject.sequence = 43
        reject.reason = "histogram_settings_mismatch"
        reject.message = "settings differ"

        var goodbye = Canary_V1_Goodbye()
        goodbye.agentID = "a"
        goodbye.agentEpoch = 7
        goodbye.lastSequence = 42
        goodbye.unackedWindows = 2
        goodbye.reason = "shutdown"

        return [.hello(hello), .window(window), .ack(ack), .heartbeat(heartbeat),
                .routeTable(table), .snapshotRequest(snapshot), .reject(reject), .goodbye(goodbye)]
    }
}

@Suite("Wire framing")
struct WireMessageTests {
    @Test("every message type round-trips through [kind][body]", arguments: Samples.all)
    func roundTrip(message: WireMessage) throws {
        let frames = message.encode()
        #expect(frames.count == 2)
        #expect(frames[0] == [0x43, 0x59, 0x01, UInt8(message.kind.rawValue)])
        let decoded = try WireMessage.decode(frames)
        #expect(decoded == message)
    }

    @Test("a truncated body is a malformedBody error, not a crash", arguments: Samples.all)
    func truncated(message: WireMessage) {
        let frames = message.encode()
        // Every strict prefix that cuts a field in half must be refused;
        // prefixes ending on a field boundary are valid protobuf, so try all
        // and require at least one refusal and no trap.
        var refusals = 0
        for cut in 0..<frames[1].count {
            do {
                _ = try WireMessage.decode([frames[0], Array(frames[1].prefix(cut))])
            } catch {
                #expect(error.code == .malformedBody)
                refusals += 1
            }
        }
        #expect(refusals > 0)
    }

    @Test("garbage bodies give a typed error or a valid message, never a trap")
    func garbage() {
        var rng = SplitMix(seed: 0x5eed)
        var malformed = 0
        for _ in 0..<2_000 {
            let length = Int(rng.next() % 200)
            let body = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let kind = UInt8(1 + rng.next() % 7)
            do {
                _ = try WireMessage.decode([[0x43, 0x59, 1, kind], body])
            } catch {
                #expect(error.code == .malformedBody)
                malformed += 1
            }
        }
        #expect(malformed > 1_000)
    }

    @Test("bad kind frames are refused with the cause named")
    func badKinds() {
        let body: [UInt8] = []
        let cases: [([UInt8], WireError.Code)] = [
            ([0x43, 0x59, 1], .kindFrameLength),
            ([0x43, 0x59, 1, 2, 0], .kindFrameLength),
            ([0x58, 0x59, 1, 2], .badMagic),
            ([0x43, 0x59, 2, 2], .unsupportedVersion),
            ([0x43, 0x59, 1, 0], .unknownKind),
            ([0x43, 0x59, 1, 200], .unknownKind),
        ]
        for (kind, code) in cases {
            #expect(throws: WireError.self) { try WireMessage.decode([kind, body]) }
            do {
                _ = try WireMessage.decode([kind, body])
            } catch {
                #expect(error.code == code, "kind frame \(kind)")
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test("wrong frame counts and oversize bodies are refused")
    func framing() {
        let kind = WireFormat.kindFrame(.heartbeat)
        for frames in [[], [kind], [kind, [], []]] {
            do {
                _ = try WireMessage.decode(frames)
                Issue.record("decoded \(frames.count) frames")
            } catch {
                #expect(error.code == .frameCount)
            }
        }
        do {
            _ = try WireMessage.decode([kind, [UInt8](repeating: 0, count: WireFormat.maxBodyBytes + 1)])
            Issue.record("decoded an oversize body")
        } catch {
            #expect(error.code == .oversizeBody)
        }
    }
}

/// A tiny deterministic generator so the garbage test is reproducible.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
