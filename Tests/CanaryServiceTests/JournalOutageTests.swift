import CanaryAPI
import CanaryConfig
@testable import CanaryCoordinator
import CanaryShm
import Foundation
import Testing

/// The journal's volume fills up for real (a small tmpfs, a filler file
/// written until ENOSPC): nothing is acked, decided, published or answered
/// with success that the journal did not commit, and once space is back
/// the coordinator resumes by itself with every sample counted once.
@Suite("Journal outage", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: SmallVolume.canMount, "mounting a tmpfs needs root (CAP_SYS_ADMIN): the journal-outage tests fill a real volume"))
struct JournalOutageTests {
    /// Enough 1 s steps that the rollout is still going when the disk fills.
    static let steps = "[5%, 10%, 20%, 30%, 40%, 50%, 60%, 70%, 80%, 90%, 100%]"

    @Test("disk full: no ack, no step, no new table, 503s and one webhook; space back: resumes by itself, every sample counted once")
    func diskFullInProcess() async throws {
        let volume = try SmallVolume(sizeMiB: 16)
        defer { volume.unmount() }
        let hooks = try await WebhookReceiver.start()
        defer { hooks.stop() }
        let journalPath = volume.path + "/journal.sqlite"
        let coordinator = try await RunningCoordinator.start(journalPath: journalPath, webhooks: [
            WebhookConfig(url: hooks.url, events: WebhookConfig.journalEvents, timeoutMs: 2_000),
        ])
        let url = coordinator.url, engine = coordinator.coordinator.engine
        let model = Unique.name("outage-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: coordinator.endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: coordinator.endpoints)
        defer { baseline.unlink(); canary.unlink() }
        try await waitForLiveAgents(url, model: model)
        let started = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: fastPlan(model: model, steps: Self.steps))
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String, "\(started.text)")
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 400, errorRate: 0.005, seed: 11) },
            Task { await serveTraffic(canary.recorder, perSecond: 400, errorRate: 0.005, seed: 12) },
        ]
        let moving = await eventually(timeout: .seconds(20)) { (await engine.rolloutView(id: id)?.step ?? 0) >= 2 }
        try #require(moving, "the rollout never reached step 2")

        try volume.fill(journal: journalPath)
        let down = try await eventually(timeout: .seconds(10)) { try await TestHTTP.request("GET", url + "/healthz").status == 503 }
        try #require(down, "/healthz never said the journal cannot commit")
        let health = try await TestHTTP.object("GET", url + "/healthz")
        let status = health["journal"] as? [String: Any]
        #expect(health["status"] as? String == "journal_unavailable")
        #expect(status?["cause"] as? String == "disk_full", "\(health)")
        #expect((status?["message"] as? String ?? "").contains(journalPath), "\(health)")

        // Deciding stays off however long it lasts: watched for 3 s, three bakes.
        let frozenStep = await engine.rolloutView(id: id)?.step
        let frozenPage = try baseline.agent.routePage.read()
        let counted = await engine.counters.countedWindows
        let unackedBefore = await baseline.agent.health().unacked + canary.agent.health().unacked
        var moved: [String] = []
        let clock = ContinuousClock(), end = clock.now + .seconds(3)
        while clock.now < end {
            if let step = await engine.rolloutView(id: id)?.step, step != frozenStep { moved.append("step \(step)") }
            for agent in [baseline, canary] {
                let page = try agent.agent.routePage.read()
                if page != frozenPage { moved.append("table \(page.sequence)") }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(moved.isEmpty, "while the journal was full: \(moved.prefix(5)) (frozen at step \(String(describing: frozenStep)), table \(frozenPage.sequence))")
        #expect(await engine.counters.countedWindows == counted, "windows were counted while nothing could be journaled")
        let unacked = await baseline.agent.health().unacked + canary.agent.health().unacked
        #expect(unacked >= unackedBefore + 10, "the agents keep every window not acked: \(unackedBefore) → \(unacked)")
        #expect(await engine.counters.withheldWindows > 0)

        let metrics = try await TestHTTP.request("GET", url + "/metrics").text
        #expect(Self.value(metrics, "canary_journal_healthy") == 0, "\(metrics.split(separator: "\n").filter { $0.contains("journal") })")
        #expect((Self.value(metrics, "canary_journal_commit_failures_total{cause=\"disk_full\"}") ?? 0) >= 1)
        let pause = try await TestHTTP.request("POST", url + "/api/v1/rollouts/\(id)/pause")
        #expect(pause.status == 503 && pause.text.contains("journal_unavailable") && pause.text.contains("disk_full"), "\(pause.status) \(pause.text)")
        let other = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: fastPlan(model: Unique.name("other-")))
        #expect(other.status == 503 && other.text.contains("journal_unavailable"), "\(other.status) \(other.text)")
        let alarmed = await eventually(timeout: .seconds(5)) { hooks.events == ["journal_unavailable"] }
        #expect(alarmed, "webhooks: \(hooks.events)")

        volume.unfill()
        let up = try await eventually(timeout: .seconds(15)) { try await TestHTTP.request("GET", url + "/healthz").status == 200 }
        #expect(up, "the coordinator did not resume by itself once space was back")
        let advanced = await eventually(timeout: .seconds(20)) { (await engine.rolloutView(id: id)?.step ?? 0) > frozenStep ?? 0 }
        #expect(advanced, "deciding did not resume")
        #expect(await engine.rolloutView(id: id)?.phase != .paused, "the refused pause took effect")

        for task in traffic { task.cancel() }
        var written = 0
        for task in traffic { written += await task.value }
        let settled = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            let (a, b) = (await baseline.agent.health(), await canary.agent.health())
            return a.unacked == 0 && b.unacked == 0 && a.samplesRead + b.samplesRead == UInt64(written)
        }
        #expect(settled, "the agents still hold windows or samples")
        let journal = try Journal(path: journalPath)
        var total: Int64 = 0
        let exact = try await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
            total = try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +)
            return total == Int64(written)
        }
        #expect(exact, "the journal counted \(total) of \(written) samples written")
        try await Self.expectPagesEqualJournal([baseline, canary], journal: journal, model: model)
        let recovered = await eventually(timeout: .seconds(15)) { hooks.events.count >= 2 }
        #expect(recovered && hooks.events == ["journal_unavailable", "journal_recovered"], "webhooks: \(hooks.events)")
        await baseline.stop()
        await canary.stop()
        await coordinator.stop()
    }

    @Test("coordinator SIGKILLed while its disk is full, restarted with space back: 0 samples lost, pages equal the journal")
    func killedWhileFull() async throws {
        let volume = try SmallVolume(sizeMiB: 16)
        defer { volume.unmount() }
        let dir = Unique.directory()
        let router = "ipc://\(dir)/router", publisher = "ipc://\(dir)/publisher"
        let port = try freePort()
        let journalPath = volume.path + "/journal.sqlite"
        let arguments = ["coordinator", "--journal", journalPath, "--http-port", String(port), "--router", router, "--publisher", publisher]
        var daemon = try Daemon(arguments, logPath: "\(dir)/coordinator-1.log")
        let url = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(10)) { (try? await TestHTTP.request("GET", url + "/healthz").status) == 200 }
        try #require(up, "coordinator did not start: \(daemon.log)")
        let endpoints = Coordinator.Endpoints(router: router, publisher: publisher, httpPort: port)
        let model = Unique.name("outage-kill-")
        let baseline = try await RunningAgent.start(model: model, version: "v1", coordinator: endpoints)
        let canary = try await RunningAgent.start(model: model, version: "v2", coordinator: endpoints)
        defer { baseline.unlink(); canary.unlink() }
        try await waitForLiveAgents(url, model: model)
        let started = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: fastPlan(model: model, steps: Self.steps))
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String, "\(started.text)")
        let traffic = [
            Task { await serveTraffic(baseline.recorder, perSecond: 400, errorRate: 0.005, seed: 21) },
            Task { await serveTraffic(canary.recorder, perSecond: 400, errorRate: 0.005, seed: 22) },
        ]
        let moving = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            (try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")["step"] as? Int ?? 0) >= 2
        }
        try #require(moving, "the rollout never reached step 2: \(daemon.log)")

        try volume.fill(journal: journalPath)
        let down = try await eventually(timeout: .seconds(10)) { try await TestHTTP.request("GET", url + "/healthz").status == 503 }
        try #require(down, "/healthz never said the journal cannot commit: \(daemon.log)")
        // Long enough for the agents to resend (after 2 s unacked) and for
        // the rollout to have advanced had it been deciding (1 s bakes).
        func held() async -> (unacked: Int, resent: UInt64) {
            let (a, b) = (await baseline.agent.health(), await canary.agent.health())
            return (a.unacked + b.unacked, a.windowsResent + b.windowsResent)
        }
        let before = await held()
        var now = before
        let piled = await eventually(timeout: .seconds(10)) {
            now = await held()
            return now.resent >= before.resent + 10 && now.unacked >= before.unacked + 30
        }
        #expect(piled, "while the journal was full, resent windows were acked: unacked \(before.unacked) → \(now.unacked), resent \(before.resent) → \(now.resent)")
        await daemon.kill()
        volume.unfill()
        daemon = try Daemon(arguments, logPath: "\(dir)/coordinator-2.log")
        let back = await eventually(timeout: .seconds(10)) { (try? await TestHTTP.request("GET", url + "/healthz").status) == 200 }
        try #require(back, "coordinator did not restart: \(daemon.log)")

        for task in traffic { task.cancel() }
        var written = 0
        for task in traffic { written += await task.value }
        let settled = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
            let (a, b) = (await baseline.agent.health(), await canary.agent.health())
            return a.unacked == 0 && b.unacked == 0 && a.samplesRead + b.samplesRead == UInt64(written)
        }
        #expect(settled, "the agents still hold windows or samples")
        let journal = try Journal(path: journalPath)
        var total: Int64 = 0
        let exact = try await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
            total = try journal.aggregates(model: model, sinceSecond: 0).map(\.requests).reduce(0, +)
            return total == Int64(written)
        }
        #expect(exact, "the journal counted \(total) of \(written) samples written (\(Int64(written) - total) lost)")
        try await Self.expectPagesEqualJournal([baseline, canary], journal: journal, model: model)
        let view = try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
        #expect(try canary.canaryPPM(canary: "v2") == (view["canaryWeightPPM"] as? Int).map(UInt32.init), "\(view)")
        await baseline.stop()
        await canary.stop()
        await daemon.terminate()
    }

    @Test("an operator call whose commit fails answers 503 journal_unavailable and leaves nothing behind")
    func refusedStartLeavesNothing() async throws {
        let volume = try SmallVolume(sizeMiB: 4)
        defer { volume.unmount() }
        let path = volume.path + "/journal.sqlite"
        let journal = try Journal(path: path)
        let engine = try CoordinatorEngine(config: CoordinatorConfig(), journal: journal, logger: testLogger, now: ClockReading(ms: 1_000))
        await sayHello(to: engine, model: "full-disk", now: ClockReading(ms: 1_000))
        try volume.fill(journal: path)
        let plan = fastPlan(model: "full-disk")
        do {
            _ = try await engine.start(planSource: plan, now: ClockReading(ms: 2_000))
            Issue.record("a rollout started on a full disk")
        } catch {
            #expect(error.code == .journalUnavailable && error.message.contains("disk_full"), "\(error)")
        }
        #expect(await engine.registry.activeIDs.isEmpty, "the refused start stayed in memory")
        #expect(await engine.rolloutViews().isEmpty)
        #expect(await engine.journalStatus.healthy == false)
        // Refused before anything is touched while the journal fails.
        do {
            _ = try await engine.start(planSource: plan, now: ClockReading(ms: 2_500))
            Issue.record("a rollout started on a full disk")
        } catch {
            #expect(error.code == .journalUnavailable)
        }
        _ = await engine.tick(now: ClockReading(ms: 3_100))
        #expect(await engine.journalStatus.healthy == false, "the probe succeeded on a full disk")

        volume.unfill()
        _ = await engine.tick(now: ClockReading(ms: 4_200))
        #expect(await engine.journalStatus.healthy, "the probe did not find the space")
        await sayHello(to: engine, model: "full-disk", now: ClockReading(ms: 4_250))
        let (view, _) = try await engine.start(planSource: plan, now: ClockReading(ms: 4_300))
        #expect(view.phase == .progressing)
        #expect(try journal.rollouts().map(\.id) == [view.id])
    }

    /// Every agent's route page holds the journal's table for the model
    /// (the coordinator republishes it every second).
    static func expectPagesEqualJournal(_ agents: [RunningAgent], journal: Journal, model: String) async throws {
        var last = ""
        let equal = try await eventually(timeout: .seconds(5), every: .milliseconds(200)) {
            guard let split = try journal.routes().first(where: { $0.model == model })?.split else { return false }
            let expected = split.weights.map { RouteEntry(version: $0.version, weightPPM: $0.weightPPM) }
            var same = true
            for agent in agents {
                let page = try agent.agent.routePage.read()
                last = "page sequence \(page.sequence) \(page.entries), journal sequence \(split.sequence) \(expected)"
                same = same && page.sequence == split.sequence && page.entries == expected
            }
            return same
        }
        #expect(equal, "route pages differ from the journal: \(last)")
    }

    /// The value of an unlabelled (or fully labelled) series in Prometheus text.
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }
}
