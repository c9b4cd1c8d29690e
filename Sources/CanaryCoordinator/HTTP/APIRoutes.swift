import CanaryAPI
import CanaryCore
import Foundation
import HTTPTypes
import Hummingbird

/// The JSON API (`/api/v1/...`), the event stream and the health check.
///
/// With an API token every route here but `/healthz` and the OpenAPI
/// document needs `Authorization: Bearer <token>` (``TokenMiddleware``).
/// Every error is JSON with a sentence naming the cause.
struct APIRoutes: Sendable {
    let engine: CoordinatorEngine
    let pump: WirePump?
    let clock: @Sendable () -> ClockReading

    func register(on router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in
            await health()
        }
        let api = router.group("api/v1")
        api.get("rollouts") { request, _ in
            let query = request.uri.queryParameters
            let limit: Int, offset: Int
            do throws(CoordinatorError) {
                limit = try Self.integer(query.get("limit"), name: "limit", in: 1...RolloutReadModel.maxPageSize,
                                         default: RolloutReadModel.defaultPageSize)
                offset = try Self.integer(query.get("offset"), name: "offset", in: 0...Int(Int32.max), default: 0)
            } catch {
                return JSONResponse.error(error)
            }
            // Spliced from the read model's stored encodings.
            let page = engine.readModel.listJSON(offset: offset, limit: limit)
            var response = JSONResponse.raw(page.json)
            response.headers[HTTPField.Name("X-Total-Count")!] = String(page.total)
            return response
        }
        api.post("rollouts") { request, context in
            await guarded(request) {
                var request = request
                let body = try await request.collectBody(upTo: 1 << 20)
                let source = try Self.planSource(body.readableBytesView)
                let (view, out) = try await engine.start(planSource: source, file: "request body", now: clock())
                pump?.send(out)
                return JSONResponse.ok(view, status: .created)
            }
        }
        api.get("rollouts/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let view = await engine.rolloutView(id: id) else {
                return JSONResponse.error(CoordinatorError(.notFound, "no rollout with id '\(id)'"))
            }
            return JSONResponse.ok(view)
        }
        api.get("rollouts/:id/events") { _, context in
            let id = context.parameters.get("id") ?? ""
            let records = (try? await engine.journal.readEvents(rolloutID: id, limit: 1_000)) ?? []
            return JSONResponse.ok(records.map(EventView.init))
        }
        for (name, command) in [("pause", OperatorCommand.pause), ("resume", .resume), ("promote", .promote), ("abort", .abort)] {
            api.post("rollouts/:id/\(name)") { request, context in
                await guarded(request) {
                    try await run(command, id: context.parameters.get("id") ?? "")
                }
            }
        }
        api.put("rollouts/:id/weight") { request, context in
            await guarded(request) {
                var request = request
                let body = try await request.collectBody(upTo: 64 << 10)
                let weight = try WeightRequest.strict(body.readableBytesView)
                return try await run(.setWeight(ppm: weight.ppm), id: context.parameters.get("id") ?? "")
            }
        }
        api.get("agents") { _, _ in
            JSONResponse.ok(await engine.agentStatuses())
        }
        // Removes an agent from the fleet (forgotten, reason operator): a live
        // one is back on its next message, so this is for agents that are gone.
        api.delete("agents/:id") { request, context in
            await guarded(request) {
                // Ids hold slashes (<host>/<replica>): clients send them percent-encoded.
                let raw = context.parameters.get("id") ?? ""
                return JSONResponse.ok(try await engine.removeAgent(raw.removingPercentEncoding ?? raw, now: clock()))
            }
        }
        // The keys, their bindings and the agents they speak for: the token guards it like a mutation.
        api.get("keys") { request, _ in
            await guarded(request) { JSONResponse.ok(await engine.keysDocument()) }
        }
        // Wire counters: refusals by reason, evictions at the fleet limits.
        api.get("wire") { _, _ in
            JSONResponse.ok(await engine.counters)
        }
        api.get("events") { _, _ in
            eventStream()
        }
        api.get("models/:model/totals") { _, context in
            let model = context.parameters.get("model") ?? ""
            do {
                return JSONResponse.ok(ModelTotals(model: model, versions: try engine.journal.totals(model: model)))
            } catch {
                return JSONResponse.error(CoordinatorError(.internalError, "could not read the totals of \(model): \(error)"))
            }
        }
        api.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.data)))
        }
    }

    private func run(_ command: OperatorCommand, id: String) async throws -> Response {
        let (view, out) = try await engine.command(command, rolloutID: id, now: clock())
        pump?.send(out)
        return JSONResponse.ok(view)
    }

    /// Runs `body` and turns every error into JSON (the token was checked
    /// by ``TokenMiddleware`` before any route ran).
    private func guarded(_ request: Request, _ body: () async throws -> Response) async -> Response {
        do {
            return try await body()
        } catch let error as CoordinatorError {
            return JSONResponse.error(error)
        } catch let error as HTTPError {
            // e.g. a body over the route's limit: 413, not a generic 400.
            let code = ErrorEnvelopeMiddleware<BasicRequestContext>.code(error.status.code)
            return JSONResponse.error(CoordinatorError(code, "could not read the request: \(error.body ?? error.status.reasonPhrase)"))
        } catch {
            return JSONResponse.error(CoordinatorError(.badRequest, "could not read the request: \(error)"))
        }
    }

    /// 503 while the journal cannot commit: the coordinator then decides
    /// nothing, so a supervisor should know (the cause is in `journal`).
    private func health() async -> Response {
        let agents = await engine.agentStatuses()
        let journal = await engine.journalStatus
        return JSONResponse.ok(HealthDocument(
            status: journal.healthy ? "ok" : "journal_unavailable", epoch: engine.epoch, agents: agents.count,
            staleAgents: agents.filter(\.stale).count, activeRollouts: engine.readModel.activeCount,
            journalMode: (try? await engine.journal.readJournalMode()) ?? "unknown", journal: journal),
            status: journal.healthy ? .ok : .serviceUnavailable)
    }

    /// Server-sent events: `event: decision|rollout|agent|metrics|journal`, `data: <json>`,
    /// plus a comment every 15 s so proxies keep the connection open. The
    /// two sources run as child tasks of the response's own writer, so a
    /// client that goes away (the write fails) or the hub closing (shutdown)
    /// ends both; the hub's subscription is bounded.
    private func eventStream() -> Response {
        let events = engine.events.subscribe()
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: ": canary event stream\n\n"))
            let (chunks, chunk) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1_024))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await event in events { chunk.yield("event: \(event.type)\ndata: \(event.json)\n\n") }
                    chunk.finish()
                }
                group.addTask {
                    while true {
                        try await Task.sleep(for: .seconds(15))
                        chunk.yield(": keep-alive\n\n")
                    }
                }
                for await text in chunks { try await writer.write(ByteBuffer(string: text)) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// A whole-number query parameter within `range`; absent means `value`.
    static func integer(_ text: String?, name: String, in range: ClosedRange<Int>, default value: Int) throws(CoordinatorError) -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw CoordinatorError(.badRequest, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// A plan is sent as YAML, or as JSON `{"plan": "<yaml>"}` (``PlanStartRequest``):
    /// a body that is a JSON object naming `plan` is the JSON form, read
    /// strictly (`plan` a string, no other field); anything else is the
    /// plan's YAML, which the plan parser reads as strictly (a JSON-syntax
    /// plan included: JSON is YAML). The content type is not trusted to
    /// tell them apart: clients have long sent YAML labelled JSON.
    static func planSource(_ body: some Collection<UInt8>) throws(CoordinatorError) -> String {
        if body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{"),
           case .object(let members)? = try? StrictJSON.parse(body), members.contains(where: { $0.key == "plan" }) {
            return try PlanStartRequest.strict(body).plan
        }
        return String(decoding: body, as: UTF8.self)
    }
}
