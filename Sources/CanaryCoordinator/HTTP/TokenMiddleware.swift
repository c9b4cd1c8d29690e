import CanaryAPI
import CanaryHTTP
import Hummingbird

/// With an API token, every request needs `Authorization: Bearer <token>`
/// but the few that reveal nothing of the fleet's identities: `/healthz`
/// (counts only), `/metrics` (for the scraper), the dashboard's page and
/// files (it asks for the token itself) and the OpenAPI document. Unknown
/// paths need it too, so a client without the token learns no route.
/// Compared in constant time (``BearerToken``).
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: BearerToken?

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token, !Self.isPublic(request.uri.path) else {
            return try await next(request, context)
        }
        let given = request.headers[.authorization]
        guard token.accepts(authorization: given) else {
            var response = JSONResponse.error(CoordinatorError(.unauthorized, (given ?? "").isEmpty
                ? "this coordinator requires an API token for \(request.uri.path): send 'Authorization: Bearer <token>'"
                : "the API token is wrong"))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return try await next(request, context)
    }

    /// Judged on the path's segments, as the router matches them (so `//healthz` is `/healthz`, and `//api/v1/agents` is not public).
    static func isPublic(_ path: String) -> Bool {
        let segments = path.split(separator: "/")
        switch segments.count {
        case 0: return true
        case 1: return segments[0] == "healthz" || segments[0] == "metrics"
        case 2: return segments[0] == "dashboard"
        case 3: return segments == ["api", "v1", "openapi.json"]
        default: return false
        }
    }
}
