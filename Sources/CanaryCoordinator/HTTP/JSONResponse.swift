import CanaryAPI
import Foundation
import Hummingbird

/// JSON responses and errors in one shape: `{"error": {"code", "message", "details"}}`.
enum JSONResponse {
    static func ok(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? EventHub.encoder.encode(value)) ?? Data("null".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// JSON this process encoded earlier (the read model's stored rollout
    /// encodings), sent as it is rather than decoded and encoded again.
    static func raw(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    static func error(_ error: CoordinatorError) -> Response {
        var response = ok(ErrorEnvelope(error), status: HTTPResponse.Status(code: error.code.httpStatus))
        // The journal is tried again every second (JournalHealth.probeMs).
        if error.code == .journalUnavailable { response.headers[.retryAfter] = "1" }
        return response
    }
}
