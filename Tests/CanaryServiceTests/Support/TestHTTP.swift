import CanaryAPI
import Foundation

/// Raw calls against a live coordinator through the API client, any status
/// returned as is (tests check refusals too).
enum TestHTTP {
    typealias Reply = CoordinatorAPIClient.Response

    /// `url` is the whole address; the client's base is that address and the
    /// path empty, so the tests keep writing URLs as `curl` would.
    static func request(_ method: String, _ url: String, body: String? = nil, token: String? = nil) async throws -> Reply {
        try await CoordinatorAPIClient(baseURL: URL(string: url)!, token: token).send(method, "", body: body.map { Data($0.utf8) })
    }

    static func object(_ method: String, _ url: String, body: String? = nil) async throws -> [String: Any] {
        let reply = try await request(method, url, body: body)
        guard let object = try reply.json() as? [String: Any] else {
            throw TestFailure("expected a JSON object from \(method) \(url), got \(reply.status): \(reply.text)")
        }
        return object
    }
}

extension CoordinatorAPIClient.Response {
    func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration, every interval: Duration = .milliseconds(100),
                _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
