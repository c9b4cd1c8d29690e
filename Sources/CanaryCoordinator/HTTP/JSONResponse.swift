import Foundation
import Hummingbird

/// JSON responses and errors in one shape: `{"error": {"code", "message", "details"}}`.
enum JSONResponse {
    static func ok(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? EventHub.encoder.encode(value)) ?? Data("null".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func raw(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    static func error(_ error: CoordinatorError) -> Response {
        struct Body: Encodable {
            struct Inner: Encodable {
                let code: String
                let message: String
                let details: [String]
            }
            let error: Inner
        }
        return ok(Body(error: .init(code: error.code.rawValue, message: error.message, details: error.details)),
                  status: HTTPResponse.Status(code: error.code.httpStatus))
    }
}
