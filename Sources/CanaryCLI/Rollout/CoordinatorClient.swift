import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small client for the coordinator's JSON API. Every failure becomes a
/// `RolloutFailure` whose kind is the exit status: 4xx answers are refusals
/// (1), no answer, 5xx and timeouts are "unavailable" (3).
struct CoordinatorClient: Sendable {
    let base: URL
    let token: String?
    let timeout: Double

    /// A successful answer: its body and status.
    struct Answer: Sendable {
        let status: Int
        let body: Data
    }

    func get(_ path: String) async throws(RolloutFailure) -> Answer {
        try await send("GET", path)
    }

    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json") async throws(RolloutFailure) -> Answer {
        var request = URLRequest(url: url(path), timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw RolloutFailure(kind: .unavailable, message: "cannot reach the coordinator at \(base.absoluteString): \(Self.describe(error)) (is it running? see --coordinator)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Self.failure(status: status, body: data, method: method, path: path)
        }
        return Answer(status: status, body: data)
    }

    /// Decodes an answer's JSON body into `type`.
    func decode<T: Decodable>(_ type: T.Type, from answer: Answer) throws(RolloutFailure) -> T {
        do {
            return try JSONDecoder().decode(type, from: answer.body)
        } catch {
            throw RolloutFailure(kind: .unavailable, message: "the coordinator's answer is not the JSON this CLI expects (a different version?): \(error)")
        }
    }

    func url(_ path: String) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text + path) ?? base
    }

    /// One session per client: ephemeral, no cookies or caches to leak between calls.
    private var session: URLSession { Self.session }
    private static let session = URLSession(configuration: .ephemeral)

    /// The API's `{"error": {"code", "message", "details"}}` turned into a failure.
    static func failure(status: Int, body: Data, method: String, path: String) -> RolloutFailure {
        struct Envelope: Decodable {
            struct Inner: Decodable {
                let code: String?
                let message: String
                let details: [String]?
            }
            let error: Inner
        }
        let kind: RolloutFailure.Kind = (400..<500).contains(status) ? .refused : .unavailable
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: body) {
            return RolloutFailure(kind: kind, message: envelope.error.message, details: envelope.error.details ?? [])
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return RolloutFailure(kind: kind, message: "\(method) \(path) answered HTTP \(status)\(text.isEmpty ? "" : ": \(text)")")
    }

    static func describe(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return "no answer in time (see --timeout)"
            case .cannotConnectToHost: return "connection refused"
            case .cannotFindHost: return "unknown host"
            default: return urlError.localizedDescription
            }
        }
        return "\(error)"
    }
}
