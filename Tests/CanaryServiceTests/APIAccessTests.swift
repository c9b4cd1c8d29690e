import CanaryAPI
import CanaryConfig
import CanaryCoordinator
import CanaryHTTP
import Foundation
import Testing

@Suite("API token and strict bodies", .timeLimit(.minutes(1)))
struct APIAccessTests {
    static let token = "t0k-\(UUID().uuidString.prefix(8))"

    @Test("with a token, reads that reveal the fleet need it; healthz, metrics, the dashboard and the OpenAPI document stay public")
    func readsNeedTheToken() async throws {
        let server = try await HardenedCoordinator.start(token: Self.token)
        let model = Unique.name("tok-")
        await sayHello(to: server.coordinator, model: model)
        let started = try await TestHTTP.request("POST", server.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "1h"), token: Self.token)
        #expect(started.status == 201)
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        let guarded = ["/api/v1/agents", "/api/v1/rollouts", "/api/v1/rollouts/\(id)", "/api/v1/rollouts/\(id)/events",
                       "/api/v1/models/m/history", "/api/v1/models/m/totals", "//api/v1/agents", "/api/v1/nothing"]
        for path in guarded {
            let without = try await TestHTTP.request("GET", server.url + path)
            #expect(without.status == 401, "\(path) without a token: \(without.status)")
            #expect(without.text.contains("Authorization: Bearer"), "\(path): \(without.text)")
            let wrong = try await TestHTTP.request("GET", server.url + path, token: Self.token + "x")
            #expect(wrong.status == 401 && wrong.text.contains("wrong"), "\(path) with a wrong token: \(wrong.status)")
        }
        for path in guarded.prefix(6) {
            let with = try await TestHTTP.request("GET", server.url + path, token: Self.token)
            #expect(with.status == 200, "\(path) with the token: \(with.status) \(with.text.prefix(200))")
        }
        // The event stream carries agents: the same rule (its head is enough).
        let stream = try RawSocket(port: server.port)
        #expect(await stream.wait(.seconds(10)) { $0.isConnected })
        stream.send("GET /api/v1/events HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(await stream.wait(.seconds(10)) { $0.text.contains("\r\n\r\n") })
        #expect(stream.text.hasPrefix("HTTP/1.1 401"), "\(stream.text.prefix(80))")
        let authorized = try RawSocket(port: server.port)
        #expect(await authorized.wait(.seconds(10)) { $0.isConnected })
        authorized.send("GET /api/v1/events HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(Self.token)\r\n\r\n")
        #expect(await authorized.wait(.seconds(10)) { $0.text.contains("canary event stream") })
        #expect(authorized.text.hasPrefix("HTTP/1.1 200"))
        for path in ["/healthz", "/metrics", "/", "/dashboard/main.mjs", "/api/v1/openapi.json"] {
            let public_ = try await TestHTTP.request("GET", server.url + path)
            #expect(public_.status == 200, "\(path) stays public: \(public_.status)")
        }
        await server.stop()
    }

    @Test("without a token every read stays open (a loopback coordinator)")
    func noTokenNoGate() async throws {
        let server = try await HardenedCoordinator.start()
        #expect(try await TestHTTP.request("GET", server.url + "/api/v1/agents").status == 200)
        #expect(try await TestHTTP.request("GET", server.url + "/api/v1/rollouts").status == 200)
        await server.stop()
    }

    @Test("the bearer token check: exact match only, scheme case-insensitive, empty never accepted")
    func bearerToken() throws {
        let token = try #require(BearerToken("s3cret-token"))
        #expect(token.accepts(authorization: "Bearer s3cret-token"))
        #expect(token.accepts(authorization: "bearer s3cret-token"))
        #expect(token.accepts(authorization: "BEARER s3cret-token"))
        for wrong in [nil, "", "Bearer", "Bearer ", "Bearer s3cret-toke", "Bearer s3cret-tokenn", "Bearer S3cret-token",
                      "Bearer  s3cret-token", "Basic s3cret-token", "Bearer\u{0}s3cret-token", "s3cret-token",
                      "Bearer s3cret-token ", "Bearer x3cret-token", "Bearer s3cret-tokeN"] {
            #expect(!token.accepts(authorization: wrong), "accepted \(String(describing: wrong))")
        }
        #expect(BearerToken("") == nil)
        #expect(BearerToken.constantTimeEqual(Array("abc".utf8)[...], Array("abc".utf8)[...]))
        #expect(!BearerToken.constantTimeEqual(Array("abcabc".utf8)[...], Array("abc".utf8)[...]), "a repetition is not a match")
        #expect(!BearerToken.constantTimeEqual([][...], Array("abc".utf8)[...]))
        #expect(!BearerToken.constantTimeEqual(Array("ab".utf8)[...], Array("abc".utf8)[...]))
        #expect(!BearerToken.constantTimeEqual([][...], [][...]))
    }

    @Test("PUT weight takes only a JSON number in range for exactly one of percent and weight_ppm")
    func strictWeight() async throws {
        let server = try await HardenedCoordinator.start(token: Self.token)
        let model = Unique.name("w-")
        await sayHello(to: server.coordinator, model: model)
        let started = try await TestHTTP.request("POST", server.url + "/api/v1/rollouts", body: fastPlan(model: model, bake: "1h"), token: Self.token)
        let id = try #require((try started.json() as? [String: Any])?["id"] as? String)
        let url = server.url + "/api/v1/rollouts/\(id)/weight"
        let refused: [(String, String)] = [
            (#"{"percent": true}"#, "percent must be a JSON number from 0 to 100, got a boolean"),
            (#"{"percent": false}"#, "got a boolean"),
            (#"{"percent": "50"}"#, "percent must be a JSON number from 0 to 100, got a string"),
            (#"{"percent": null}"#, "got null"),
            (#"{"percent": [5]}"#, "got an array"),
            (#"{"percent": NaN}"#, "not valid JSON"),
            (#"{"percent": Infinity}"#, "not valid JSON"),
            (#"{"percent": 1e400}"#, "percent must be from 0 to 100, got 1e400"),
            (#"{"percent": -1}"#, "got -1"),
            (#"{"percent": 100.5}"#, "got 100.5"),
            (#"{"percent": 05}"#, "not valid JSON"),
            (#"{"weight_ppm": 1000001}"#, "weight_ppm must be from 0 to 1000000"),
            (#"{"weight_ppm": 2.5}"#, "weight_ppm must be a whole number"),
            (#"{"weight_ppm": true}"#, "weight_ppm must be a JSON number"),
            (#"{"percent": 5, "weight_ppm": 50000}"#, "not both"),
            (#"{"percent": 5, "force": true}"#, #"unknown field "force""#),
            (#"{"percent": 5, "percent": 6}"#, "appears twice"),
            (#"{}"#, #"must name "percent" or "weight_ppm""#),
            (#"[5]"#, "must be a JSON object"),
            (#"5"#, "must be a JSON object"),
            (#"{"percent": 5} x"#, "unexpected text after"),
            (#"{"percent": 5,}"#, "not valid JSON"),
            ("", "not valid JSON"),
        ]
        for (body, message) in refused {
            let reply = try await TestHTTP.request("PUT", url, body: body, token: Self.token)
            #expect(reply.status == 400, "\(body): \(reply.status) \(reply.text)")
            let error = try? JSONDecoder().decode(ErrorEnvelope.self, from: reply.body).error
            #expect(error?.code == "bad_request" && error?.message.contains(message) == true, "\(body): \(reply.text)")
        }
        // Nothing refused moved the weight.
        let view = try await TestHTTP.request("GET", server.url + "/api/v1/rollouts/\(id)", token: Self.token)
        #expect((try view.json() as? [String: Any])?["canaryWeightPPM"] as? Int == 100_000)
        for (body, ppm) in [(#"{"percent": 5}"#, 50_000), (#"{"percent": 2.5}"#, 25_000), (#" { "weight_ppm" : 7e4 } "#, 70_000),
                            (#"{"weight_ppm": 0}"#, 0), (#"{"percent": 100}"#, 1_000_000)] {
            let reply = try await TestHTTP.request("PUT", url, body: body, token: Self.token)
            #expect(reply.status == 200, "\(body): \(reply.status) \(reply.text)")
            #expect((try? reply.json() as? [String: Any])?["canaryWeightPPM"] as? Int == ppm, "\(body): \(reply.text.prefix(200))")
        }
        await server.stop()
    }

    @Test("POST rollouts as JSON: only {\"plan\": \"<yaml>\"}, a string; YAML bodies as before")
    func strictPlanJSON() async throws {
        let server = try await HardenedCoordinator.start(token: Self.token)
        let url = server.url + "/api/v1/rollouts"
        let client = CoordinatorAPIClient(baseURL: URL(string: url)!, token: Self.token)
        let refused: [(String, String)] = [
            (#"{"plan": 5}"#, "plan must be a non-empty string (the plan's YAML), got the number 5"),
            (#"{"plan": true}"#, "got a boolean"),
            (#"{"plan": ""}"#, "plan must be a non-empty string"),
            (#"{"plan": {"model": "m"}}"#, "got an object"),
            (#"{"plan": null}"#, "got null"),
            (#"{"plan": "model: m", "dry_run": true}"#, #"unknown field "dry_run""#),
            // Not the JSON form: read as the plan's YAML, whose parser names the key.
            (#"{"yaml": "model: m"}"#, #"unknown key "yaml""#),
        ]
        for (body, message) in refused {
            let reply = try await client.send("POST", "", body: Data(body.utf8), contentType: "application/json")
            #expect(reply.status == 400, "\(body): \(reply.status) \(reply.text)")
            let error = try? JSONDecoder().decode(ErrorEnvelope.self, from: reply.body).error
            let said = ([error?.message ?? ""] + (error?.details ?? [])).joined(separator: "\n")
            #expect(said.contains(message), "\(body): \(reply.text)")
        }
        // Whatever the content type says, a JSON object naming plan is read the same strict way.
        let untyped = try await client.send("POST", "", body: Data(#"{"plan": 5}"#.utf8), contentType: "application/yaml")
        #expect(untyped.status == 400 && untyped.text.contains("plan must be a non-empty string"), "\(untyped.text)")
        let models = (json: Unique.name("p-"), yaml: Unique.name("y-"))
        await sayHello(to: server.coordinator, model: models.json)
        await sayHello(to: server.coordinator, model: models.yaml)
        let plan = fastPlan(model: models.json, bake: "1h")
        let json = try JSONEncoder().encode(PlanStartRequest(plan: plan))
        let accepted = try await client.send("POST", "", body: json, contentType: "application/json; charset=utf-8")
        #expect(accepted.status == 201, "\(accepted.text)")
        let yaml = try await client.send("POST", "", body: Data(fastPlan(model: models.yaml, bake: "1h").utf8), contentType: "application/yaml")
        #expect(yaml.status == 201, "\(yaml.text)")
        await server.stop()
    }

    @Test("off loopback without a token the coordinator refuses to start, naming api_token_file")
    func refusesToStartOffLoopbackWithoutToken() async throws {
        let dir = Unique.directory()
        let yaml = "http:\n  host: 0.0.0.0\n  port: 0\njournal: \(dir)/journal.sqlite\n"
        #expect(throws: ConfigError.self) { try CoordinatorConfig.parse(yaml: yaml, file: "c.yaml") }
        do {
            _ = try CoordinatorConfig.parse(yaml: yaml, file: "c.yaml")
        } catch {
            #expect(error.description.contains("api_token_file") && error.description.contains("0.0.0.0"), "\(error)")
            #expect(error.description.contains("c.yaml:2"), "the error names where: \(error)")
        }
        var config = CoordinatorConfig()
        config.httpHost = "10.0.0.1"
        config.journalPath = dir + "/j.sqlite"
        #expect(throws: ConfigError.self) { _ = try Coordinator(config: config, logger: testLogger) }
        // With a token file it may.
        try "  file-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let withFile = try CoordinatorConfig.parse(yaml: yaml + "api_token_file: \(dir)/token\n", file: "c.yaml")
        #expect(withFile.apiToken == "file-token")
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "::1"] {
            #expect(LoopbackHost.contains(host), "\(host)")
        }
        for host in ["0.0.0.0", "::", "10.0.0.1", "127.0.0.1.example.com", "example.com", "127.0.0"] {
            #expect(!LoopbackHost.contains(host), "\(host)")
        }
        // Empty tokens are refused rather than taken as "no token".
        try "\n".write(toFile: dir + "/empty", atomically: true, encoding: .utf8)
        #expect(throws: ConfigError.self) { try CoordinatorConfig.parse(yaml: "api_token_file: \(dir)/empty\n", file: "c.yaml") }
        #expect(throws: ConfigError.self) { try CoordinatorConfig.parse(yaml: "api_token: ''\n", file: "c.yaml") }

        // The executable says so and exits non-zero.
        let file = dir + "/open.yaml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(["coordinator", "--config", file, "--router", "tcp://127.0.0.1:*", "--publisher", "tcp://127.0.0.1:*"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("api_token_file") && run.stderr.contains("not a loopback address"), "\(run)")
    }
}
