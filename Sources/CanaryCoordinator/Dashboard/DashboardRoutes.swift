import CanaryAPI
import Foundation
import Hummingbird

/// The dashboard (`/` and its files under `/dashboard/`, see
/// ``DashboardAssets``) and the per-second history its charts start from.
struct DashboardRoutes: Sendable {
    let engine: CoordinatorEngine
    let clock: @Sendable () -> ClockReading

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Self.response(DashboardAssets.page) }
        router.get("dashboard/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let asset = DashboardAssets.files[name] else {
                return JSONResponse.error(CoordinatorError(.notFound, "the dashboard has no file '\(name)'"))
            }
            return Self.response(asset)
        }
        // `since` is a Unix second; default: the last five minutes.
        router.get("api/v1/models/:model/history") { request, context in
            let model = context.parameters.get("model") ?? ""
            let given = request.uri.queryParameters.get("since")
            guard let since = given.map({ Int64($0) }) ?? (clock().wallMs / 1000 - 300) else {
                return JSONResponse.error(CoordinatorError(.badRequest, "since must be a whole number of Unix seconds, got '\(given ?? "")'"))
            }
            do {
                let rows = try await engine.journal.readAggregates(model: model, sinceSecond: since)
                return JSONResponse.ok(rows.map(SecondMetrics.init))
            } catch {
                return JSONResponse.error(CoordinatorError(.internalError, "could not read the history of \(model): \(error)"))
            }
        }
    }

    static func response(_ asset: DashboardAssets.Asset) -> Response {
        Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
