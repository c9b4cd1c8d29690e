import CanaryAPI
import CanaryHTTP
import Hummingbird

/// Every route the coordinator serves (API, dashboard, /metrics) on one
/// router, behind the middleware that answers every error in the API's
/// envelope. Built in one place so the OpenAPI test sees the same routes.
enum CoordinatorRouter {
    static func make(engine: CoordinatorEngine, pump: WirePump?, token: String?, gate: ConnectionGate? = nil,
                     clock: @escaping @Sendable () -> ClockReading) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ErrorEnvelopeMiddleware())
        router.add(middleware: TokenMiddleware(token: token.flatMap(BearerToken.init)))
        APIRoutes(engine: engine, pump: pump, clock: clock).register(on: router)
        DashboardRoutes(engine: engine, clock: clock).register(on: router)
        MetricsRoute(engine: engine, clock: clock, connections: gate.map(HTTPConnectionMetrics.init)).register(on: router)
        return router
    }
}

/// Hummingbird's own refusals (no such route, a body too large) and any
/// error a handler lets through, as the API's error envelope rather than
/// Hummingbird's default body.
struct ErrorEnvelopeMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            let message = error.body ?? "\(request.method) \(request.uri.path): \(error.status.reasonPhrase)"
            return JSONResponse.error(CoordinatorError(Self.code(error.status.code), message))
        } catch let error as CoordinatorError {
            return JSONResponse.error(error)
        } catch {
            return JSONResponse.error(CoordinatorError(.internalError, "\(request.method) \(request.uri.path) failed: \(error)"))
        }
    }

    static func code(_ status: Int) -> CoordinatorError.Code {
        switch status {
        case 401: .unauthorized
        case 404: .notFound
        case 405: .methodNotAllowed
        case 409: .conflict
        case 413: .payloadTooLarge
        case 415: .unsupportedMediaType
        case 503: .unavailable
        case 400..<500: .badRequest
        default: .internalError
        }
    }
}
