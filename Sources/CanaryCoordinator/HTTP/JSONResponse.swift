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

    static func error(_ error: CoordinatorError) -> Response {
        ok(ErrorEnvelope(error), status: HTTPResponse.Status(code: error.code.httpStatus))
    }
}
