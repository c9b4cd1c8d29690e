import CanaryAPI
import CanaryCore
import Foundation
import Testing

/// The one API client against a live coordinator: typed calls, the error
/// envelope, the event stream and the per-version totals.
@Suite struct APIClientTests {
    @Test func theEventParserJoinsCutChunksAndSkipsComments() {
        var parser = ServerSentEventParser()
        let stream = ": canary event stream\n\nevent: rollout\ndata: {\"id\":\r\n\r\nevent: decision\ndata: a\ndata: b\n\ndata: plain\n\n"
        var events: [ServerSentEvent] = []
        // Fed three bytes at a time: events cut mid-line must come out whole.
        let bytes = Array(stream.utf8)
        for start in stride(from: 0, to: bytes.count, by: 3) {
            events += parser.feed(bytes[start..<min(start + 3, bytes.count)])
        }
        #expect(events == [
            ServerSentEvent(type: "rollout", data: "{\"id\":"),
            ServerSentEvent(type: "decision", data: "a\nb"),
            ServerSentEvent(type: "message", data: "plain"),
        ])
    }

    @Test func typedCallsErrorsEventsAndTotals() async throws {
        try await DemoWorld.with(token: "s3cret") { world in
            try await CoordinatorAPIClient.withClient(baseURL: URL(string: world.baseURL)!, token: "s3cret") { client in
                #expect(try await client.health().value.status == "ok")

                let anonymous = CoordinatorAPIClient(baseURL: client.baseURL, httpClient: .shared)
                let refused = await #expect(throws: APIClientError.self) {
                    try await anonymous.startRollout(planYAML: Data(DemoWorld.plan.utf8))
                }
                #expect(refused?.code == .refused && refused?.status == 401 && refused?.apiError?.code == .unauthorized, "\(String(describing: refused))")

                let missing = await #expect(throws: APIClientError.self) { try await client.rollout(id: "no-such-rollout") }
                #expect(missing?.apiError?.code == .notFound && missing?.message == "no rollout with id 'no-such-rollout'")

                let events = try await client.events()
                let started = try await client.startRollout(planYAML: Data(DemoWorld.plan.utf8)).value
                #expect(started.phase == .progressing && started.model == DemoWorld.model)
                var sawRollout = false
                for try await event in events where event.type == "rollout" {
                    let view = try JSONDecoder().decode(RolloutView.self, from: Data(event.data.utf8))
                    if view.id == started.id { sawRollout = true; break }
                }
                #expect(sawRollout)

                let paused = try await client.command(.pause, rolloutID: started.id).value
                #expect(paused.phase == .paused)
                let weighted = try await client.setWeight(WeightRequest(percent: 1), rolloutID: started.id).value
                #expect(weighted.canaryWeightPPM == 10_000)

                // Totals are the per-second history summed, per version.
                try await eventually("counted samples of both versions") {
                    let totals = try await client.totals(model: DemoWorld.model).value
                    return totals["v41"].requests > 0 && totals["v42"].requests > 0
                }
                world.stopTraffic()
                // Late windows may still land: compare once two history reads agree.
                var checked = false
                try await eventually("the totals equal the history summed") {
                    let before = try await client.history(model: DemoWorld.model, sinceSecond: 0).value
                    let totals = try await client.totals(model: DemoWorld.model).value
                    let after = try await client.history(model: DemoWorld.model, sinceSecond: 0).value
                    guard before == after else { return false }
                    for version in ["v41", "v42"] {
                        let rows = after.filter { $0.version == version }
                        #expect(totals[version].requests == rows.reduce(0) { $0 + $1.requests }, "\(version)")
                        #expect(totals[version].errors == rows.reduce(0) { $0 + $1.errors }, "\(version)")
                        #expect(totals[version].labeled == rows.reduce(0) { $0 + $1.labeled }, "\(version)")
                        #expect(totals[version].correct > 0 && totals[version].correct <= totals[version].labeled, "\(version)")
                    }
                    checked = true
                    return true
                }
                #expect(checked)
                #expect(try await client.totals(model: "never-seen").value.versions.isEmpty)
            }
        }
    }

    @Test func noCoordinatorIsUnreachable() async throws {
        let started = ContinuousClock.now
        let error = await #expect(throws: APIClientError.self) {
            try await CoordinatorAPIClient.withClient(baseURL: URL(string: "http://127.0.0.1:1")!, timeout: .seconds(60)) { client in
                try await client.rollouts()
            }
        }
        #expect(error?.code == .unreachable && error?.status == nil && error?.message == "connection refused", "\(String(describing: error))")
        // Well under the 60 s timeout, with room for a loaded machine (12.7 s
        // was seen with the whole suite on two cores).
        #expect(ContinuousClock.now - started < .seconds(25), "a refused connection is not retried until the timeout")
    }
}
