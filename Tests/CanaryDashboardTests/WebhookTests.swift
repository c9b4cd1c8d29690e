import CanaryConfig
import CanaryCoordinator
import Foundation
import Hummingbird
import Logging
import Synchronization
import Testing

/// Webhooks: every decision reaches a receiver exactly once, even when the
/// receiver fails the first delivery, and a dead receiver on another hook
/// delays nothing.
@Suite(.serialized) struct WebhookTests {
    /// A loopback HTTP receiver that answers 500 to the very first request.
    final class Receiver: Sendable {
        struct Received: Sendable {
            let id: String
            let status: Int
            let body: [String: any Sendable]
        }
        let log = Mutex<[Received]>([])
        let requests = Atomic<Int>(0)

        func serve(port: OnceBox<Int>) async throws {
            let router = Router()
            router.post("hook") { request, _ -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                let number = self.requests.add(1, ordering: .relaxed).newValue
                let status = number == 1 ? 500 : 200
                let json = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any]) ?? [:]
                let id = json["id"] as? String ?? ""
                self.log.withLock { $0.append(Received(id: id, status: status, body: json.mapValues { Self.sendable($0) })) }
                return Response(status: .init(code: status))
            }
            var logger = Logger(label: "webhook-receiver")
            logger.logLevel = .warning
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { channel in port.set(channel.localAddress?.port ?? 0) }, logger: logger)
            try await app.run()
        }

        static func sendable(_ value: Any) -> any Sendable {
            // Only what the test reads: strings, and nested objects as JSON text.
            if let s = value as? String { return s }
            if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) { return String(decoding: data, as: UTF8.self) }
            return ""
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func oneNotificationPerDecisionDespiteAFailedFirstDelivery() async throws {
        let receiver = Receiver()
        let port = OnceBox<Int>()
        let server = Task { try await receiver.serve(port: port) }
        defer { server.cancel() }
        let receiverPort = try await port.wait()
        let events: Set<String> = ["advance", "pause", "resume", "promote", "rollback", "abort"]
        let good = WebhookConfig(url: URL(string: "http://127.0.0.1:\(receiverPort)/hook")!, events: events, timeoutMs: 2_000)
        // Nothing listens on port 9 (discard) here: every delivery fails at once.
        let dead = WebhookConfig(url: URL(string: "http://127.0.0.1:9/hook")!, events: events, timeoutMs: 500)

        try await DemoWorld.with(webhooks: [dead, good]) { world in
            try await eventually("both agents to say hello") { await world.coordinator.engine.agentStatuses().count == 2 }
            let id = try await world.startRollout()
            _ = try await HTTP.request("POST", world.baseURL + "/api/v1/rollouts/\(id)/pause")
            _ = try await HTTP.request("POST", world.baseURL + "/api/v1/rollouts/\(id)/resume")
            world.failCanary()
            try await eventually("the rollback", seconds: 60) { await world.coordinator.engine.rolloutView(id: id)?.phase == .rolledBack }

            let journal = try await HTTP.json(world.baseURL + "/api/v1/rollouts/\(id)/events") as? [[String: Any]] ?? []
            let decisions = journal.filter { $0["kind"] as? String == "decision" && events.contains($0["action"] as? String ?? "") }
            #expect(decisions.count >= 4, "start, pause, resume, rollback: \(decisions.map { $0["action"] ?? "" })")
            try await eventually("a delivery for every decision", seconds: 20) {
                receiver.log.withLock { log in log.filter { $0.status == 200 }.count } >= decisions.count
            }
            try await Task.sleep(for: .seconds(2))  // nothing more may arrive

            let log = receiver.log.withLock { $0 }
            let accepted = log.filter { $0.status == 200 }
            #expect(log.count == accepted.count + 1, "one refused first delivery, then only successes")
            #expect(log.first?.status == 500)
            #expect(log.first?.id == log.dropFirst().first?.id, "the refused notification is the one retried")
            let ids = accepted.map(\.id)
            #expect(Set(ids).count == ids.count, "no notification delivered twice: \(ids)")
            #expect(accepted.count == decisions.count)
            let actions = accepted.compactMap { $0.body["event"] as? String }
            #expect(actions == decisions.map { $0["action"] as? String ?? "" }, "in decision order (the journal lists oldest first)")
            let rollback = accepted.first { $0.body["event"] as? String == "rollback" }
            let text = rollback?.body["text"] as? String ?? ""
            let decision = rollback?.body["decision"] as? String ?? ""
            let rollout = rollback?.body["rollout"] as? String ?? ""
            #expect(text.contains("rolled back"), "Slack text: \(text)")
            #expect(decision.contains("\"evidence\"") && decision.contains("\"sentence\""))
            #expect(rollout.contains(id))
        }
    }
}

/// A value set once and awaited by others.
final class OnceBox<Value: Sendable>: Sendable {
    private let value = Mutex<Value?>(nil)
    func set(_ new: Value) { value.withLock { $0 = new } }
    func wait(seconds: Double = 10) async throws -> Value {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let v = value.withLock({ $0 }) { return v }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw DemoError("timed out waiting for a value")
    }
}
