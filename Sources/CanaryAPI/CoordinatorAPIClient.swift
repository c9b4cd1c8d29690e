import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The one client of the coordinator's HTTP API (JSON calls and the event
/// stream), used by the CLI, the demo, the tests and anything else that
/// talks to a coordinator. Built on AsyncHTTPClient.
///
/// The client does not own its `HTTPClient`: pass a long-lived one, or use
/// ``withClient(baseURL:token:timeout:_:)``, which makes one and shuts it
/// down when the body returns.
public struct CoordinatorAPIClient: Sendable {
    public let baseURL: URL
    /// Sent as `Authorization: Bearer <token>` on every call when set.
    public let token: String?
    /// How long a call waits for the answer's head.
    public let timeout: Duration
    let http: HTTPClient

    public init(baseURL: URL, token: String? = nil, timeout: Duration = .seconds(10), httpClient: HTTPClient = .shared) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
        self.http = httpClient
    }

    /// Runs `body` with a client over an `HTTPClient` of its own (on NIO's
    /// singleton event loop group), shut down when `body` ends, however it ends.
    /// A read that idles longer than `max(timeout, 60 s)` fails: the event
    /// stream's keep-alives come every 15 s.
    public static func withClient<Result: Sendable>(
        baseURL: URL, token: String? = nil, timeout: Duration = .seconds(10),
        _ body: (CoordinatorAPIClient) async throws -> Result
    ) async throws -> Result {
        var configuration = HTTPClient.Configuration(
            timeout: .init(connect: TimeAmount(timeout), read: TimeAmount(max(timeout, .seconds(60)))))
        // A refused connection is an answer ("not running"), not a reason to
        // retry until the timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let client = CoordinatorAPIClient(baseURL: baseURL, token: token, timeout: timeout, httpClient: http)
        let result: Swift.Result<Result, any Error>
        do { result = .success(try await body(client)) } catch { result = .failure(error) }
        // Nothing to do about a failed shutdown but not hide the body's result.
        try? await http.shutdown()
        return try result.get()
    }

    /// A raw answer: any status, the body as sent.
    public struct Response: Sendable {
        public let status: Int
        public let contentType: String?
        public let body: Data
        /// `X-Total-Count`, on paged lists: how many items all pages hold.
        public var totalCount: Int? = nil
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// One request, whatever the answer's status; throws only when there is
    /// no answer. `path` starts with `/` and may carry a query.
    public func send(_ method: String, _ path: String, body: Data? = nil,
                     contentType: String = "application/json") async throws(APIClientError) -> Response {
        let request = makeRequest(method, path, body: body, contentType: contentType, accept: "application/json")
        do {
            let response = try await http.execute(request, timeout: TimeAmount(timeout))
            let bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
            return Response(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"),
                            body: Data(bytes.readableBytesView),
                            totalCount: response.headers.first(name: "x-total-count").flatMap { Int($0) })
        } catch {
            throw APIClientError(.unreachable, Self.describe(error))
        }
    }

    /// A decoded answer and its body as sent (for callers that print the
    /// coordinator's JSON as is, unknown fields included).
    public struct Reply<Value: Sendable>: Sendable {
        public let value: Value
        public let body: Data
        /// `X-Total-Count`, on paged lists.
        public var totalCount: Int? = nil
    }

    /// One call whose 2xx answer decodes as `type`; any other status throws,
    /// with the coordinator's error envelope when it sent one.
    public func call<Value: Decodable & Sendable>(
        _ type: Value.Type, _ method: String, _ path: String, body: Data? = nil,
        contentType: String = "application/json"
    ) async throws(APIClientError) -> Reply<Value> {
        let response = try await send(method, path, body: body, contentType: contentType)
        guard (200..<300).contains(response.status) else {
            throw Self.failure(response, method: method, path: path)
        }
        do {
            return Reply(value: try JSONDecoder().decode(type, from: response.body), body: response.body,
                         totalCount: response.totalCount)
        } catch {
            throw APIClientError(.undecodable, "\(method) \(path): \(error)", status: response.status)
        }
    }

    /// Opens `GET /api/v1/events`; the events arrive as the coordinator
    /// sends them, until the connection closes or the caller stops iterating.
    public func events() async throws(APIClientError) -> ServerSentEventStream {
        let request = makeRequest("GET", "/api/v1/events", body: nil, contentType: "", accept: "text/event-stream")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw APIClientError(.unreachable, Self.describe(error))
        }
        guard response.status.code == 200 else {
            let body = (try? await response.body.collect(upTo: Self.maxBodyBytes)).map { Data($0.readableBytesView) } ?? Data()
            let answer = Response(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: body)
            throw Self.failure(answer, method: "GET", path: "/api/v1/events")
        }
        return ServerSentEventStream(body: response.body)
    }

    /// Error and JSON bodies are small; a larger one is not the coordinator's.
    static let maxBodyBytes = 64 << 20

    func url(_ path: String) -> String {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return text + path
    }

    private func makeRequest(_ method: String, _ path: String, body: Data?, contentType: String, accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url(path))
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Accept", value: accept)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return request
    }

    /// A non-2xx answer as an error: the envelope's message when there is
    /// one, else the status and the start of the body.
    static func failure(_ response: Response, method: String, path: String) -> APIClientError {
        let code: APIClientError.Code = (400..<500).contains(response.status) ? .refused : .serverError
        if let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: response.body) {
            return APIClientError(code, envelope.error.message, status: response.status,
                                  apiError: envelope.coordinatorError(status: response.status))
        }
        let text = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return APIClientError(code, "\(method) \(path) answered HTTP \(response.status)\(text.isEmpty ? "" : ": \(text)")",
                              status: response.status)
    }

    /// Why there was no answer, in words.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "no answer in time"
            default: return "\(error)"
            }
        }
        // NIO names the errno in its message (e.g. "connect(...): Connection refused (errno: 111)").
        let text = "\(error)"
        if text.contains("Connection refused") || text.contains("errno: 111") { return "connection refused" }
        return text
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
