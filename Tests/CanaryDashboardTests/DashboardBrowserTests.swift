import CanaryCoordinator
import Foundation
import Testing

/// The dashboard as a person sees it: a real headless Chromium loads `/` from
/// a running coordinator with two agents, shows nothing of the fleet until
/// given the API token (reads need it too), waits for live charts, is refused
/// without a token, pauses and resumes with one, and then watches the
/// broken canary roll back with its evidence. The screenshot is kept in
/// `.build/artifacts/dashboard.png` (and copied to `docs/` with
/// `CANARY_UPDATE_SCREENSHOT=1`).
@Suite(.serialized) struct DashboardBrowserTests {
    @Test(.timeLimit(.minutes(4)))
    func dashboardShowsLiveRolloutControlsAndRollback() async throws {
        guard let chromium = which(["chromium", "chromium-browser"]) else {
            Issue.record("chromium is not installed (Debian: apt-get install chromium; scripts/install-deps does it with CANARY_EXTRA_APT)")
            return
        }
        let token = "dash-token-\(UUID().uuidString.prefix(6))"
        try await DemoWorld.with(token: token) { world in try await run(world, token: token, chromium: chromium) }
    }

    private func run(_ world: DemoWorld, token: String, chromium: String) async throws {
        try await eventually("both agents to say hello") { await world.coordinator.engine.agentStatuses().count == 2 }
        let rolloutID = try await world.startRollout(token: token)

        // The page's home: the page and its assets, no external references.
        let page = try await HTTP.request("GET", world.baseURL + "/")
        #expect(page.status == 200)
        #expect(!page.text.contains("http://") && !page.text.contains("https://"), "the dashboard must not load anything from elsewhere")
        // Every file in Assets/ is served as it is in the package, no other.
        let assets = DashboardAssetTests.assets
        let files = try FileManager.default.contentsOfDirectory(atPath: assets).filter { $0 != "dashboard.html" }
        #expect(files.count >= 6, "assets: \(files)")
        for name in files {
            let served = try await HTTP.request("GET", world.baseURL + "/dashboard/" + name)
            #expect(served.status == 200, "/dashboard/\(name): \(served.status)")
            #expect(served.body == FileManager.default.contents(atPath: assets + "/" + name), "/dashboard/\(name) differs from the file")
            // (The SVG namespace is a name, not an address anything loads.)
            let text = served.text.replacingOccurrences(of: "'http://www.w3.org/2000/svg'", with: "")
            #expect(!text.contains("http://") && !text.contains("https://"), "\(name) must not load anything from elsewhere")
        }
        #expect(page.body == FileManager.default.contents(atPath: assets + "/dashboard.html"))
        let missing = try await HTTP.request("GET", world.baseURL + "/dashboard/nothing.mjs")
        #expect(missing.status == 404 && missing.text.contains("nothing.mjs"), "unknown asset: \(missing.status) \(missing.text)")

        let ready = NSTemporaryDirectory() + "canary-dash-ready-\(UUID().uuidString)"
        let breaker = Task {
            while !FileManager.default.fileExists(atPath: ready) {
                do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
            }
            world.failCanary()
        }
        defer { breaker.cancel(); try? FileManager.default.removeItem(atPath: ready) }
        let artifacts = packageRoot + "/.build/artifacts"
        let screenshot = artifacts + "/dashboard.png"
        let run = try await runProcess("/usr/bin/env", [
            "python3", packageRoot + "/Tests/CanaryDashboardTests/cdp_dashboard.py",
            "--url", world.baseURL + "/", "--token", token, "--screenshot", screenshot,
            "--chromium", chromium, "--ready-file", ready,
            // CANARY_DASHBOARD_SETTLE=20 lets it advance a step or two first (the docs screenshot).
            "--settle", ProcessInfo.processInfo.environment["CANARY_DASHBOARD_SETTLE"] ?? "0",
        ])
        guard run.status == 0, let line = run.stdout.split(separator: "\n").last,
              let seen = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            Issue.record("the browser run failed (status \(run.status)):\n\(run.stderr)\n\(run.stdout)")
            return
        }
        print("dashboard: browser saw \(line)")

        let points = seen["points"] as? [String: Int] ?? [:]
        for chart in ["latency", "errors", "throughput", "accuracy", "split"] {
            #expect((points[chart] ?? 0) >= 6, "chart \(chart) has \(points[chart] ?? 0) points")
        }
        // The label for a key nobody served shows as unmatched, per version.
        #expect((seen["accuracyNow"] as? String ?? "").contains("unmatched"), "accuracy panel: \(seen["accuracyNow"] ?? "")")
        let limits = seen["limits"] as? [String] ?? []
        #expect(limits.contains { $0.contains("p99") }, "the latency guard's limit is drawn: \(limits)")
        #expect(limits.contains { $0.contains("max") }, "absolute limits are drawn: \(limits)")
        #expect((seen["refused"] as? String ?? "").contains("API token"), "the refusal names the missing token")
        // Without the token the page showed no rollout, only why.
        #expect((seen["tokenNeeded"] as? String ?? "").contains("needs its API token"), "\(seen["tokenNeeded"] ?? "")")
        #expect(seen["blankWithoutToken"] as? String == "token needed", "\(seen["blankWithoutToken"] ?? "")")
        let evidence = seen["evidence"] as? [String] ?? []
        #expect(!evidence.isEmpty)
        let log = seen["log"] as? [String] ?? []
        #expect(log.first == "rollback" && log.contains("pause") && log.contains("resume"), "decision log: \(log)")
        #expect(seen["split"] as? String == "0 %", "the split shown after the rollback")

        // What the page showed is what the coordinator decided.
        let view = await world.coordinator.engine.rolloutView(id: rolloutID)
        #expect(view?.phase == .rolledBack)
        #expect(view?.canaryWeightPPM == 0)
        // Each line: the sentence, then the guard's interval when it has one.
        let sentences = Set(view?.lastDecision?.evidence.map { e in e.interval.map { "\(e.sentence); \($0)" } ?? e.sentence } ?? [])
        #expect(!sentences.isEmpty && sentences == Set(evidence), "page evidence \(evidence) vs engine \(sentences)")
        #expect(FileManager.default.fileExists(atPath: screenshot))
        if ProcessInfo.processInfo.environment["CANARY_UPDATE_SCREENSHOT"] != nil {
            try FileManager.default.createDirectory(atPath: packageRoot + "/docs", withIntermediateDirectories: true)
            try? FileManager.default.removeItem(atPath: packageRoot + "/docs/dashboard.png")
            try FileManager.default.copyItem(atPath: screenshot, toPath: packageRoot + "/docs/dashboard.png")
        }
    }
}
