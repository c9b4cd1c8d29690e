import CanaryAgent
import CanaryConfig
import CanaryCoordinator
import CanaryCore
import CanaryShm
import CanaryWire
import Foundation
import Testing
import ZeroMQ

/// CURVE on the wire (README § Security): against a running coordinator
/// with real agents, each forged peer is refused with its reason while the
/// real rollout continues and every real sample is counted.
@Suite("Wire security: CURVE, the allow-list, keys bound to agents", .serialized, .enabled(if: ZeroMQ.hasCurve), .timeLimit(.minutes(2)))
struct WireSecurityTests {
    /// A coordinator with CURVE and two real agents (v1 baseline, v2 canary)
    /// whose keys are bound to their ids, model and version.
    struct SecureCluster {
        let keys: TestKeys
        let coordinator: RunningCoordinator
        let baseline: RunningAgent
        let canary: RunningAgent
        let model: String
        var bindings: [TestKeys.Binding]

        static func start(prefix: String, reloadCheckMs: Int64 = 100, agentsPerKey: Int = 64,
                          extra: [TestKeys.Binding] = []) async throws -> SecureCluster {
            let keys = try TestKeys()
            let model = Unique.name(prefix)
            let baselineID = Unique.name("sec-v1-"), canaryID = Unique.name("sec-v2-")
            let bindings = [
                TestKeys.Binding(name: "baseline", key: try keys.pair("baseline").publicKey, agent: baselineID, model: model, versions: ["v1"]),
                TestKeys.Binding(name: "canary", key: try keys.pair("canary").publicKey, agent: canaryID, model: model, versions: ["v2"]),
            ] + extra.map { binding in
                var binding = binding
                if binding.model == "$model" { binding.model = model }
                return binding
            }
            try keys.allow(bindings)
            let coordinator = try await RunningCoordinator.start(
                curve: keys.coordinatorConfig(reloadCheckMs: reloadCheckMs, agentsPerKey: agentsPerKey))
            let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints,
                                                        agentID: baselineID, curve: keys.agentConfig("baseline"))
            let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints,
                                                      agentID: canaryID, curve: keys.agentConfig("canary"))
            return SecureCluster(keys: keys, coordinator: coordinator, baseline: baseline, canary: canary, model: model,
                                 bindings: bindings)
        }

        var engine: CoordinatorEngine { coordinator.coordinator.engine }

        /// Starts a rollout that a 100 %-error canary window would roll back at once (hard limit 20 %).
        func startRollout() async throws -> String {
            try await coordinator.waitForAgents(model: model)
            let started = try await TestHTTP.request("POST", coordinator.url + "/api/v1/rollouts",
                                                     body: fastPlan(model: model, bake: "1h"))
            #expect(started.status == 201, "\(started.text)")
            return try #require((try started.json() as? [String: Any])?["id"] as? String)
        }

        /// Writes `count` ok samples into each real agent's ring.
        func serve(_ count: Int) {
            for i in 0..<count {
                baseline.recorder.record(latency: .milliseconds(10), status: .ok, key: UInt64(i))
                canary.recorder.record(latency: .milliseconds(11), status: .ok, key: UInt64(i))
            }
        }

        /// Waits until the journal has exactly `count` requests per version.
        func allCounted(_ count: Int64) async throws -> Bool {
            try await counted(["v1": count, "v2": count])
        }

        /// Waits (generously: CURVE handshakes on a loaded host) until the
        /// journal has exactly these requests per version; says what it has if not.
        func counted(_ expected: [String: Int64]) async throws -> Bool {
            let journalPath = coordinator.journalPath, model = model
            var totals: [String: Int64] = [:]
            let exact = try await eventually(timeout: .seconds(30)) {
                totals = [:]
                for row in try Journal(path: journalPath).aggregates(model: model, sinceSecond: 0) {
                    totals[row.version, default: 0] += row.requests
                }
                return totals == expected
            }
            if !exact { print("counted \(totals), expected \(expected)") }
            return exact
        }

        func phase(_ id: String) async throws -> String {
            try await TestHTTP.object("GET", coordinator.url + "/api/v1/rollouts/\(id)")["phase"] as? String ?? ""
        }

        func stop() async {
            await baseline.stop()
            await canary.stop()
            await coordinator.stop()
            baseline.unlink()
            canary.unlink()
            keys.remove()
        }
    }

    /// A window of `requests` requests, all of them server errors when `failing`.
    static func window(agent: String, epoch: UInt64, sequence: UInt64, model: String, version: String,
                       requests: UInt64 = 1_000, failing: Bool = true) throws -> WireMessage {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: 5_000, count: requests)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let window = Window(agentID: agent, agentEpoch: epoch, sequence: sequence, model: model, version: version,
                            startMs: now - 1_000, endMs: now, requestCount: requests,
                            statuses: failing ? StatusCounts(serverError: requests) : StatusCounts(ok: requests), latency: latency)
        return .window(Canary_V1_Window(window))
    }

    static func hello(agent: String, epoch: UInt64, model: String, version: String) -> WireMessage {
        var hello = Canary_V1_Hello()
        hello.agentID = agent
        hello.agentEpoch = epoch
        hello.model = model
        hello.version = version
        hello.role = .canary
        hello.protocolVersion = UInt32(WireFormat.protocolVersion)
        hello.histogram = Canary_V1_HistogramSettings(.fleetDefault)
        return .hello(hello)
    }

    /// The rejections the forged peer got back within `timeout`.
    static func rejections(_ peer: ForgedAgent, count: Int, timeout: Duration = .seconds(5)) async -> [Canary_V1_Reject] {
        var rejects: [Canary_V1_Reject] = []
        let deadline = ContinuousClock.now + timeout
        while rejects.count < count, ContinuousClock.now < deadline {
            guard let reply = await peer.receive() else { continue }
            if case .reject(let reject)? = try? WireMessage.decode(reply) { rejects.append(reject) }
        }
        return rejects
    }

    @Test("forged agents without a key or with an unknown key are refused at the handshake; the rollout continues, every real sample counted")
    func forgedAgentsWithoutAllowedKey() async throws {
        let cluster = try await SecureCluster.start(prefix: "sec-forged-")
        let id = try await cluster.startRollout()
        let plain = try ForgedAgent(router: cluster.coordinator.endpoints.router)
        let stranger = try CurveKeyPair.generate()
        let unknown = try ForgedAgent(router: cluster.coordinator.endpoints.router,
                                      serverKey: cluster.keys.coordinator.publicKey, keyPair: stranger)
        defer { plain.close(); unknown.close() }
        cluster.serve(1_000)
        for sequence in 1...20 as ClosedRange<UInt64> {
            for peer in [plain, unknown] {
                try? peer.send(Self.hello(agent: "intruder", epoch: 1, model: cluster.model, version: "v2").encode())
                try? peer.send(Self.window(agent: "intruder", epoch: 1, sequence: sequence, model: cluster.model, version: "v2").encode())
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await cluster.allCounted(1_000), "every real sample counted, nothing forged")
        let plainGot = await plain.receive(), unknownGot = await unknown.receive()
        #expect(plainGot == nil && unknownGot == nil, "the forged peers got no answer at all")
        #expect(try await cluster.phase(id) == "progressing")
        let agents = await cluster.engine.agentStatuses()
        #expect(Set(agents.map(\.agentID)) == [cluster.baseline.config.agentID, cluster.canary.config.agentID])
        #expect(agents.allSatisfy { $0.keyFingerprint != nil })
        // The unknown key is counted by fingerprint.
        let denied = await cluster.engine.keysDocument().deniedHandshakes
        let fingerprint = try #require(String(Z85.decode(stranger.publicKey).prefix(8).map { String(format: "%02x", $0) }.joined()))
        #expect(denied[fingerprint, default: 0] >= 1, "\(denied)")
        let metrics = try await TestHTTP.request("GET", cluster.coordinator.url + "/metrics").text
        #expect(metrics.contains("canary_key_denied_handshakes_total{key=\"\(fingerprint)\"}"))
        await cluster.stop()
    }

    @Test("a key bound to another agent, model or version is refused with the reason, counted per key")
    func keyBoundToSomethingElse() async throws {
        let keys = try TestKeys()
        let forger = try keys.pair("forger")
        keys.remove()
        let cluster = try await SecureCluster.start(prefix: "sec-bound-", extra: [
            TestKeys.Binding(name: "forger", key: forger.publicKey, agent: "forger-*", model: "$model", versions: ["v1"]),
        ])
        let id = try await cluster.startRollout()
        let peer = try ForgedAgent(router: cluster.coordinator.endpoints.router,
                                   serverKey: cluster.keys.coordinator.publicKey, keyPair: forger)
        defer { peer.close() }
        cluster.serve(500)
        let victim = cluster.canary.config.agentID
        try peer.send(Self.hello(agent: victim, epoch: 1, model: cluster.model, version: "v2").encode())
        try peer.send(Self.window(agent: victim, epoch: 1, sequence: 1, model: cluster.model, version: "v2").encode())
        try peer.send(Self.window(agent: "forger-1", epoch: 1, sequence: 1, model: "other-model", version: "v1").encode())
        try peer.send(Self.window(agent: "forger-1", epoch: 1, sequence: 2, model: cluster.model, version: "v2").encode())
        let reasons = await Self.rejections(peer, count: 4).map(\.reason)
        #expect(reasons == ["agent_not_bound_to_key", "agent_not_bound_to_key", "model_not_bound_to_key", "version_not_bound_to_key"])
        // What it is bound to passes: its own agent, model and version.
        try peer.send(Self.window(agent: "forger-1", epoch: 1, sequence: 3, model: cluster.model, version: "v1",
                                  requests: 10, failing: false).encode())
        var acked = false
        for _ in 0..<20 where !acked {
            if let reply = await peer.receive(), case .ack(let ack)? = try? WireMessage.decode(reply), ack.sequence == 3 { acked = true }
        }
        #expect(acked)
        #expect(try await cluster.phase(id) == "progressing")
        let document = await cluster.engine.keysDocument()
        let entry = try #require(document.keys.first { $0.publicKey == forger.publicKey })
        #expect(entry.rejectedByReason == ["agent_not_bound_to_key": 2, "model_not_bound_to_key": 1, "version_not_bound_to_key": 1])
        #expect(entry.agents == ["forger-1"])
        #expect(document.keys.first { $0.name == "canary" }?.rejectedByReason.isEmpty == true)
        let api = try await TestHTTP.object("GET", cluster.coordinator.url + "/api/v1/keys")
        #expect(api["curve"] as? Bool == true)
        let metrics = try await TestHTTP.request("GET", cluster.coordinator.url + "/metrics").text
        #expect(metrics.contains("canary_key_rejected_messages_total{key=\"\(entry.fingerprint)\",reason=\"model_not_bound_to_key\"} 1"), "\(metrics)")
        // The real agents' samples are all counted, plus the 10 its own binding
        // allowed, and nothing forged (the victim window alone carried 1 000 failing v2 requests).
        #expect(try await cluster.counted(["v1": 510, "v2": 500]))
        let victimStatus = await cluster.engine.agentStatuses().first { $0.agentID == victim }
        #expect(victimStatus?.windowsRejected == 0)
        await cluster.stop()
    }

    @Test("a forged window reusing a live agent's id and epoch from another key is refused and does not poison de-duplication")
    func forgedWindowReusingIdentity() async throws {
        let keys = try TestKeys()
        let other = try keys.pair("other")
        keys.remove()
        // A key whose pattern covers every agent of the model: only ownership protects the live agent.
        let cluster = try await SecureCluster.start(prefix: "sec-reuse-", extra: [
            TestKeys.Binding(name: "wide", key: other.publicKey, agent: "*", model: "$model", versions: ["*"]),
        ])
        cluster.serve(300)
        #expect(try await cluster.allCounted(300))
        let victim = try #require(await cluster.engine.agentStatuses().first { $0.agentID == cluster.canary.config.agentID })
        let peer = try ForgedAgent(router: cluster.coordinator.endpoints.router,
                                   serverKey: cluster.keys.coordinator.publicKey, keyPair: other)
        defer { peer.close() }
        for sequence in 1_000..<1_020 as Range<UInt64> {
            try peer.send(Self.window(agent: victim.agentID, epoch: victim.agentEpoch, sequence: sequence,
                                      model: cluster.model, version: "v2", requests: 5, failing: false).encode())
        }
        let reasons = Set(await Self.rejections(peer, count: 20).map(\.reason))
        #expect(reasons == ["agent_epoch_claimed_by_another_key"])
        // The real agent keeps counting: its later windows are not taken for duplicates.
        cluster.serve(700)
        #expect(try await cluster.allCounted(1_000), "every real sample counted after the forgery")
        #expect(await cluster.engine.keysDocument().keys.first { $0.name == "wide" }?.rejectedByReason["agent_epoch_claimed_by_another_key"] == 20)
        await cluster.stop()
    }

    @Test("the allow-list is re-read when it changes and on SIGHUP; bad entries are reported with file:line, the rest kept; revoked keys are refused")
    func allowListReload() async throws {
        let keys = try TestKeys()
        let late = try keys.pair("late")
        keys.remove()
        // Change polling off (10 min): only SIGHUP re-reads in the first part.
        let cluster = try await SecureCluster.start(prefix: "sec-reload-", reloadCheckMs: 600_000)
        guard let store = cluster.engine.allowList else { throw TestFailure("no allow-list") }
        let peer = try ForgedAgent(router: cluster.coordinator.endpoints.router,
                                   serverKey: cluster.keys.coordinator.publicKey, keyPair: late)
        defer { peer.close() }
        let beat = { () -> [[UInt8]] in
            var beat = Canary_V1_Heartbeat()
            beat.agentID = "late-1"
            beat.agentEpoch = 7
            return WireMessage.heartbeat(beat).encode()
        }
        try? peer.send(beat())
        #expect(await peer.receive() == nil, "not on the list yet: no handshake")
        var bindings = cluster.bindings
        bindings.append(TestKeys.Binding(name: "late", key: late.publicKey, agent: "late-*", model: cluster.model, versions: ["v1"]))
        try cluster.keys.allow(bindings, extra: """
            - name: broken
              key: "not a key"
              agent: x
              model: m
              versions: []

            """)
        let before = store.reloadCount
        try await Task.sleep(for: .milliseconds(300))
        #expect(store.reloadCount == before, "no polling: nothing re-read before SIGHUP")
        kill(getpid(), SIGHUP)
        #expect(await eventually(timeout: .seconds(5)) { store.reloadCount > before })
        let list = store.current
        #expect(list[late.publicKey] != nil)
        #expect(list.entries.count == 3)
        let issues = list.issues.map(\.description)
        #expect(issues.contains { $0.contains("allow-list.yaml:") && $0.contains("key") }, "\(issues)")
        #expect(issues.contains { $0.contains("versions") }, "\(issues)")
        // The key is now let in on a new connection (libzmq does not retry
        // a refused handshake; agents re-dial while the coordinator is silent).
        let again = try ForgedAgent(router: cluster.coordinator.endpoints.router,
                                    serverKey: cluster.keys.coordinator.publicKey, keyPair: late)
        defer { again.close() }
        var acked = false
        let deadline = ContinuousClock.now + .seconds(8)
        while !acked, ContinuousClock.now < deadline {
            try? again.send(beat())
            if let reply = await again.receive(), case .ack? = try? WireMessage.decode(reply) { acked = true }
        }
        #expect(acked, "the added key is accepted after SIGHUP")

        // Revoked by a file change (polling every 100 ms now): its messages are refused.
        let polling = try await SecureCluster.start(prefix: "sec-revoke-", reloadCheckMs: 100)
        let revokedPeer = try ForgedAgent(router: polling.coordinator.endpoints.router,
                                          serverKey: polling.keys.coordinator.publicKey,
                                          keyPair: try CurveKeyPair(secretKey: KeyFile.readSecret(polling.keys.directory + "/canary.key")))
        defer { revokedPeer.close() }
        try polling.keys.allow([polling.bindings[0]])
        guard let pollingStore = polling.engine.allowList else { throw TestFailure("no allow-list") }
        #expect(await eventually(timeout: .seconds(5)) { pollingStore.current.entries.count == 1 })
        polling.serve(200)
        let refused = await eventually(timeout: .seconds(10)) {
            await polling.engine.counters.rejectedByReason["key_not_allowed", default: 0] >= 1
        }
        #expect(refused, "the connected canary agent's windows are refused once its key is revoked")
        await polling.stop()
        await cluster.stop()
    }

    @Test("one key speaks for at most agents_per_key agents: a new one evicts the longest silent stale one, or is refused while all are live")
    func agentsPerKeyLimit() async throws {
        let keys = try TestKeys()
        let pool = try keys.pair("pool")
        keys.remove()
        let cluster = try await SecureCluster.start(prefix: "sec-limit-", agentsPerKey: 2, extra: [
            TestKeys.Binding(name: "pool", key: pool.publicKey, agent: "pool-*", model: "$model", versions: ["*"]),
        ])
        let peer = try ForgedAgent(router: cluster.coordinator.endpoints.router,
                                   serverKey: cluster.keys.coordinator.publicKey, keyPair: pool)
        defer { peer.close() }
        let hello = { (agent: String) in try peer.send(Self.hello(agent: agent, epoch: 1, model: cluster.model, version: "v1").encode()) }
        try hello("pool-1")
        try hello("pool-2")
        #expect(await eventually(timeout: .seconds(5)) {
            await cluster.engine.keysDocument().keys.first { $0.name == "pool" }?.agents == ["pool-1", "pool-2"]
        })
        try hello("pool-3")
        #expect(await Self.rejections(peer, count: 1).map(\.reason) == ["agents_per_key_limit"])
        // pool-2 keeps talking, pool-1 goes silent past stale_after (3 s): pool-3 takes its place.
        var beat = Canary_V1_Heartbeat()
        beat.agentID = "pool-2"
        beat.agentEpoch = 1
        let staleDeadline = ContinuousClock.now + .seconds(8)
        var poolOneStale = false
        while !poolOneStale, ContinuousClock.now < staleDeadline {
            try peer.send(WireMessage.heartbeat(beat).encode())
            try await Task.sleep(for: .milliseconds(250))
            poolOneStale = await cluster.engine.agentStatuses().first { $0.agentID == "pool-1" }?.stale == true
        }
        #expect(poolOneStale)
        try hello("pool-3")
        #expect(await eventually(timeout: .seconds(5)) {
            await cluster.engine.keysDocument().keys.first { $0.name == "pool" }?.agents == ["pool-2", "pool-3"]
        })
        let entry = try #require(await cluster.engine.keysDocument().keys.first { $0.name == "pool" })
        #expect(entry.agentsEvicted == 1)
        #expect(entry.rejectedByReason == ["agents_per_key_limit": 1])
        let ids = Set(await cluster.engine.agentStatuses().map(\.agentID))
        #expect(!ids.contains("pool-1") && ids.contains("pool-3"))
        let metrics = try await TestHTTP.request("GET", cluster.coordinator.url + "/metrics").text
        #expect(metrics.contains("canary_key_agents_evicted_total{key=\"\(entry.fingerprint)\"} 1"))
        await cluster.stop()
    }

    @Test("an impostor coordinator with another key cannot set the split: agents keep the last table, send it nothing")
    func impostorCoordinator() async throws {
        let cluster = try await SecureCluster.start(prefix: "sec-impostor-")
        _ = try await cluster.startRollout()
        let tenPercent = try await eventually(timeout: .seconds(5)) {
            try cluster.baseline.canaryPPM(canary: "v2") == 100_000 && cluster.canary.canaryPPM(canary: "v2") == 100_000
        }
        #expect(tenPercent)
        let endpoints = cluster.coordinator.endpoints
        await cluster.coordinator.stop()
        cluster.serve(400)
        // The impostor binds the real ports with its own key and publishes the canary at 100 %.
        let received = try await Self.impersonate(endpoints, keyPair: try CurveKeyPair.generate(), model: cluster.model,
                                                  for: .seconds(3))
        #expect(received == 0, "the impostor's ROUTER received \(received) messages")
        #expect(try cluster.baseline.canaryPPM(canary: "v2") == 100_000)
        #expect(try cluster.canary.canaryPPM(canary: "v2") == 100_000)
        let unacked = await cluster.canary.agent.health().unacked
        #expect(unacked > 0, "windows wait for the real coordinator")
        // Control: the same table from a holder of the coordinator's secret is applied.
        _ = try await Self.impersonate(endpoints, keyPair: cluster.keys.coordinator, model: cluster.model, for: .seconds(6)) {
            (try? cluster.canary.canaryPPM(canary: "v2")) == 1_000_000
        }
        #expect(try cluster.canary.canaryPPM(canary: "v2") == 1_000_000, "the forged table itself would be applied")
        // The real coordinator comes back on the same ports and journal: the agents find it again.
        let real = try await RunningCoordinator.start(journalPath: cluster.coordinator.journalPath,
                                                      router: endpoints.router, publisher: endpoints.publisher,
                                                      curve: cluster.keys.coordinatorConfig())
        let back = await eventually(timeout: .seconds(10)) {
            let health = await cluster.canary.agent.health()
            return !health.coordinatorSilent && health.unacked == 0
        }
        #expect(back, "agents re-dial and their windows are acked by the real coordinator")
        #expect(try await cluster.allCounted(400), "the samples served meanwhile are all counted, by the real coordinator")
        await cluster.baseline.stop()
        await cluster.canary.stop()
        await real.stop()
        cluster.baseline.unlink()
        cluster.canary.unlink()
        cluster.keys.remove()
    }
}

extension WireSecurityTests {
    /// Binds the coordinator's ports with `keyPair` and publishes a table with
    /// the canary at 100 % until `duration` passed or `done` holds; returns
    /// how many messages its ROUTER received.
    static func impersonate(_ endpoints: Coordinator.Endpoints, keyPair: CurveKeyPair, model: String, for duration: Duration,
                            until done: @escaping @Sendable () -> Bool = { false }) async throws -> Int {
        try await onThread { () throws -> Int in
            let context = try ZeroMQContext()
            defer { context.terminate() }
            let router = try Socket(context, .router)
            let publisher = try Socket(context, .pub)
            defer { router.close(); publisher.close() }
            for socket in [router, publisher] {
                try socket.set(.linger, .zero)
                try socket.makeCurveServer(secretKey: keyPair.secretKey)
            }
            try router.set(.receiveTimeout, .milliseconds(100))
            try router.bind(endpoints.router)
            try publisher.bind(endpoints.publisher)
            var table = Canary_V1_RouteTable()
            table.model = model
            table.epoch = UInt64.max / 2
            table.sequence = 1_000_000
            table.phase = .progressing
            var full = Canary_V1_RouteWeight()
            full.version = "v2"
            full.weightPpm = 1_000_000
            table.weights = [full]
            var messages = 0
            let deadline = ContinuousClock.now + duration
            while ContinuousClock.now < deadline, !done() {
                table.sequence += 1
                try publisher.send(multipart: WireMessage.routeTable(table).encode())
                if (try? router.receiveMultipart()) != nil { messages += 1 }
            }
            return messages
        }
    }
}

/// Runs blocking zmq code on a fresh OS thread (never on the cooperative pool).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
