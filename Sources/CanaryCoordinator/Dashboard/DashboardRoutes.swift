import CanaryAPI
import Foundation
import Hummingbird

/// The dashboard (`/`, its script and style, all compiled into the binary so
/// nothing is looked up or fetched at run time) and the per-second history
/// its charts start from.
struct DashboardRoutes: Sendable {
    let engine: CoordinatorEngine
    let clock: @Sendable () -> Int64

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.asset(DashboardPage.html, type: "text/html; charset=utf-8") }
        router.get("dashboard.js") { _, _ in Self.asset(DashboardScript.source, type: "text/javascript; charset=utf-8") }
        router.get("dashboard.css") { _, _ in Self.asset(DashboardStyle.source, type: "text/css; charset=utf-8") }
        // `since` is a Unix second; default: the last five minutes.
        router.get("api/v1/models/:model/history") { request, context in
            let model = context.parameters.get("model") ?? ""
            let given = request.uri.queryParameters.get("since")
            guard let since = given.map({ Int64($0) }) ?? (clock() / 1000 - 300) else {
                return JSONResponse.error(CoordinatorError(.badRequest, "since must be a whole number of Unix seconds, got '\(given ?? "")'"))
            }
            do {
                let rows = try engine.journal.aggregates(model: model, sinceSecond: since)
                return JSONResponse.ok(rows.map(SecondMetrics.init))
            } catch {
                return JSONResponse.error(CoordinatorError(.internalError, "could not read the history of \(model): \(error)"))
            }
        }
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
