import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// The crashing, stalling and flooding windows of issue 11 against a running
/// coordinator with a real rollout fed by real agents: each is refused (or
/// evicted) with its reason, the coordinator keeps answering, the rollout
/// goes on, and every real sample is counted.
@Suite("Bounded intake", .serialized, .timeLimit(.minutes(2)))
struct BoundedIntakeTests {
    typealias RawPeer = HostileInputTests.RawPeer

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// A wire window with the given buckets (µs, count); requests = their sum.
    static func window(agent: String, model: String, version: String = "v1", sequence: UInt64,
                       buckets: [(UInt64, UInt64)] = [(1_500, 10)], endMs: Int64 = nowMs()) -> Canary_V1_Window {
        var w = Canary_V1_Window()
        w.agentID = agent
        w.agentEpoch = 1
        w.sequence = sequence
        w.model = model
        w.version = version
        w.startMs = endMs - 1_000
        w.endMs = endMs
        w.latency.settings = Canary_V1_HistogramSettings(HistogramSettings.fleetDefault)
        w.latency.values = buckets.map(\.0)
        w.latency.counts = buckets.map(\.1)
        w.latency.totalCount = buckets.map(\.1).reduce(0, &+)
        w.requestCount = w.latency.totalCount
        w.scoreBins = [0]  // one bin, no edges
        return w
    }

    /// A real rollout (baseline and canary agents, a plan that bakes for an
    /// hour so it stays in progress) with a fixed number of samples written
    /// by `write`, which the attack runs beside; checks at the end that the
    /// journal counted exactly those samples and the rollout is still going.
    static func withRealRollout(limits: FleetLimits = FleetLimits(),
                                attack: (RunningCoordinator, _ model: String) async throws -> Void,
                                after: (RunningCoordinator, _ model: String, _ id: String) async throws -> Void = { _, _, _ in })
        async throws {
        let coordinator = try await RunningCoordinator.start(limits: limits)
        let model = Unique.name("bounded-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        try await coordinator.waitForAgents(model: model)
        let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "1h"))
        #expect(started.status == 201, "\(started.text)")
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        // Samples written before, during and after the attack.
        let writer = Task {
            for round in 0..<30 {
                for i in 0..<50 {
                    baseline.recorder.record(latency: .milliseconds(10 + i % 5), status: i % 25 == 0 ? .serverError : .ok, key: UInt64(round * 100 + i))
                }
                for i in 0..<20 {
                    canary.recorder.record(latency: .milliseconds(12), status: .ok, key: UInt64(round * 100 + i))
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        try await attack(coordinator, model)
        await writer.value
        let counted = try await eventually(timeout: .seconds(30)) {
            try ClusterTests.requests(coordinator.journalPath, model: model) == ["v1": 1_500, "v2": 600]
        }
        let totals = try ClusterTests.requests(coordinator.journalPath, model: model)
        #expect(counted, "real samples counted: \(totals)")
        let view = try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")
        #expect(view["phase"] as? String == "progressing", "\(view["phase"] ?? "nil"): \(view["lastDecision"] ?? "")")
        #expect(view["quarantine"] == nil)
        let agents = await coordinator.coordinator.engine.agentStatuses()
        for real in [baseline.config.agentID, canary.config.agentID] {
            #expect(agents.first { $0.agentID == real }?.windowsRejected == 0, "\(real) had windows refused")
        }
        try await after(coordinator, model, id)
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }

    /// Waits until the engine has refused `count` messages for `reason`.
    static func rejected(_ coordinator: RunningCoordinator, _ reason: String, atLeast count: UInt64) async -> Bool {
        await eventually(timeout: .seconds(30)) {
            await coordinator.coordinator.engine.counters.rejectedByReason[reason, default: 0] >= count
        }
    }

    @Test("regression: each crashing window is refused with its reason, and a restart on that journal resumes")
    func crashingWindows() async throws {
        try await Self.withRealRollout(attack: { coordinator, model in
            let peer = try RawPeer(router: coordinator.endpoints.router)
            defer { peer.close() }
            // A bucket count of 2^60 (trapped the histogram iterator via /metrics).
            try peer.send(WireMessage.window(Self.window(agent: "evil", model: model, version: "v2", sequence: 1,
                                                         buckets: [(1_000, 1 << 60)])).encode())
            // Errors that wrapped the errors ≤ requests check.
            var wrapping = Self.window(agent: "evil", model: model, version: "v2", sequence: 2)
            wrapping.errors.serverError = UInt64.max - 4
            wrapping.errors.timeout = 10
            try peer.send(WireMessage.window(wrapping).encode())
            // Far in the future; longer than a window may be.
            try peer.send(WireMessage.window(Self.window(agent: "evil", model: model, sequence: 3, endMs: Self.nowMs() + 86_400_000)).encode())
            var long = Self.window(agent: "evil", model: model, sequence: 4)
            long.startMs = long.endMs - 3_600_000
            try peer.send(WireMessage.window(long).encode())
            // Two valid windows whose merged total exceeds what a histogram
            // carries (trapped valueAtPercentile, journaled first): the first
            // is counted, the second refused, on a model of its own.
            let side = model + "-side"
            let end = Self.nowMs()
            try peer.send(WireMessage.window(Self.window(agent: "evil", model: side, sequence: 5, buckets: [(2_000, WindowBounds.maxCount)], endMs: end)).encode())
            try peer.send(WireMessage.window(Self.window(agent: "evil", model: side, sequence: 6, buckets: [(2_000, 10)], endMs: end)).encode())
            #expect(await Self.rejected(coordinator, "count_out_of_range", atLeast: 2))
            #expect(await Self.rejected(coordinator, "implausible_time", atLeast: 2))
            #expect(await Self.rejected(coordinator, "merge_overflow", atLeast: 1))
            // 4 097 windows with sequences ≥ 2^63 (trapped the dedupe mark), last: their
            // Rejects may overflow this peer's queue (ROUTER drops past it).
            for i in 0..<4_097 {
                try peer.send(WireMessage.window(Self.window(agent: "evil", model: model, version: "v2",
                                                             sequence: (1 << 63) + UInt64(i))).encode())
            }
            #expect(await Self.rejected(coordinator, "implausible_sequence", atLeast: 4_097))
            // The refusals are answered with Reject naming the reason.
            var reasons: Set<String> = []
            for _ in 0..<5_000 {
                guard let reply = peer.receive() else { break }
                if case .reject(let reject)? = try? WireMessage.decode(reply) { reasons.insert(reject.reason) }
                if reasons.count == 4 { break }
            }
            #expect(reasons == ["count_out_of_range", "implausible_sequence", "implausible_time", "merge_overflow"], "\(reasons)")
        }, after: { coordinator, model, id in
            // /metrics renders (the 2^60 bucket never reached it) and the wire counters are in the API.
            let metrics = try await TestHTTP.request("GET", coordinator.url + "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("canary_windows_rejected_total{reason=\"implausible_sequence\"} 4097"))
            let wire = try await TestHTTP.object("GET", coordinator.url + "/api/v1/wire")
            let byReason = wire["rejectedByReason"] as? [String: Any] ?? [:]
            #expect((byReason["merge_overflow"] as? NSNumber)?.intValue == 1, "\(byReason)")
            // A restart on this journal comes up and resumes the rollout.
            await coordinator.stop()
            let again = try await RunningCoordinator.start(journalPath: coordinator.journalPath)
            let health = try await TestHTTP.request("GET", again.url + "/healthz")
            #expect(health.status == 200)
            let view = try await TestHTTP.object("GET", again.url + "/api/v1/rollouts/\(id)")
            #expect(view["phase"] as? String == "progressing")
            #expect(view["quarantine"] == nil)
            await again.stop()
        })
    }

    /// 1 435 buckets × 100 000 requests: an 8 KB window of 143.5 M requests.
    static func stallBuckets() -> [(UInt64, UInt64)] {
        var histogram = LatencyHistogram()
        var micros = 1.0
        while histogram.buckets.count < 1_435 {
            for _ in 0..<50 where histogram.buckets.count < 1_435 {
                histogram.record(micros: UInt64(micros), count: 1)
                micros = max(micros + 1, micros * 1.004)
            }
        }
        return histogram.buckets.prefix(1_435).map { ($0.valueMicros, 100_000) }
    }

    @Test("regression: windows of 143.5 M requests each cost bounded work; /healthz answers within 1 s meanwhile")
    func stallWindow() async throws {
        let buckets = Self.stallBuckets()
        #expect(buckets.count == 1_435)
        try await Self.withRealRollout(attack: { coordinator, model in
            let stall = model + "-stall"
            let body = try Self.window(agent: "stall", model: stall, sequence: 1, buckets: buckets).serializedBytes() as [UInt8]
            #expect(body.count < 10_000, "\(body.count) bytes")
            let peer = try RawPeer(router: coordinator.endpoints.router)
            defer { peer.close() }
            let clock = ContinuousClock()
            let sent = clock.now
            for sequence in 1...10 {
                try peer.send(WireMessage.window(Self.window(agent: "stall", model: stall, sequence: UInt64(sequence), buckets: buckets)).encode())
            }
            var slowest = Duration.zero
            var counted = false
            while clock.now - sent < .seconds(10), !counted {
                let asked = clock.now
                let health = try await TestHTTP.request("GET", coordinator.url + "/healthz")
                slowest = max(slowest, clock.now - asked)
                #expect(health.status == 200)
                counted = (try ClusterTests.requests(coordinator.journalPath, model: stall)["v1"] ?? 0) == 10 * 143_500_000
            }
            let elapsed = clock.now - sent
            print("stall windows: 10 × 143.5 M requests counted in \(elapsed); slowest /healthz \(slowest)")
            #expect(counted, "10 stall windows counted within 10 s")
            #expect(slowest < .seconds(1), "slowest /healthz took \(slowest)")
            let metrics = try await TestHTTP.request("GET", coordinator.url + "/metrics").text
            #expect(metrics.contains("canary_request_latency_seconds_count{model=\"\(stall)\",version=\"v1\"} 1435000000"))
        })
    }

    @Test("a flood of 20 000 agent ids and 2 000 models is bounded by the limits and evicted, counted")
    func flood() async throws {
        var limits = FleetLimits()
        limits.maxAgents = 1_000
        limits.maxModels = 100
        try await Self.withRealRollout(limits: limits, attack: { coordinator, model in
            let peer = try RawPeer(router: coordinator.endpoints.router)
            defer { peer.close() }
            for i in 0..<20_000 {
                var hello = Canary_V1_Hello()
                hello.agentID = "flood-\(i)"
                hello.model = "flood-model"
                hello.version = "v1"
                hello.agentEpoch = 1
                try peer.send(WireMessage.hello(hello).encode())
            }
            for i in 0..<2_000 {
                try peer.send(WireMessage.window(Self.window(agent: "flood-w\(i)", model: "flood-m\(i)", sequence: 1)).encode())
            }
            // A hello whose agent id would park 64 KB in the fleet (and in every listing).
            var fat = Canary_V1_Hello()
            fat.agentID = String(repeating: "x", count: 64 << 10)
            fat.model = "flood-model"
            try peer.send(WireMessage.hello(fat).encode())
            let engine = coordinator.coordinator.engine
            let drained = await eventually(timeout: .seconds(60)) {
                let received = await engine.counters.receivedByKind
                return received["window", default: 0] >= 2_000 && received["hello", default: 0] >= 20_000
            }
            #expect(drained)
            #expect(await Self.rejected(coordinator, "too_many_entries", atLeast: 1))
        }, after: { coordinator, model, _ in
            let engine = coordinator.coordinator.engine
            let counters = await engine.counters
            #expect(counters.evictedAgents >= 20_000, "\(counters)")
            #expect(counters.evictedModels >= 1_900, "\(counters)")
            let agents = try await TestHTTP.request("GET", coordinator.url + "/api/v1/agents")
            let list = try agents.json() as? [[String: Any]] ?? []
            #expect(list.count <= 1_000, "\(list.count) agents listed")
            #expect(agents.body.count < 1_000 * 1_024, "\(agents.body.count) bytes")
            #expect(await engine.modelCount() <= 100)
            let metrics = try await TestHTTP.request("GET", coordinator.url + "/metrics").text
            let series = metrics.split(separator: "\n").filter { $0.hasPrefix("canary_request_latency_seconds_count") }
            #expect(series.count <= 200, "\(series.count) latency series")
            let wire = try await TestHTTP.object("GET", coordinator.url + "/api/v1/wire")
            #expect((wire["evictedModels"] as? NSNumber)?.intValue ?? 0 >= 1_900)
            print("flood: \(list.count) agents listed (\(agents.body.count) bytes), \(counters.evictedAgents) agents and \(counters.evictedModels) models evicted, \(series.count) latency series")
        })
    }
}
