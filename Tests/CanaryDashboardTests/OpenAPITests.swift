import CanaryAPI
import CanaryConfig
@testable import CanaryCoordinator
import Foundation
import Hummingbird
import Logging
import Testing

/// The OpenAPI document is the committed file, served as is, and it
/// describes exactly the routes the coordinator registers.
@Suite struct OpenAPITests {
    static let committedPath = packageRoot + "/Sources/CanaryAPI/Resources/openapi.json"

    @Test func theServedDocumentIsTheCommittedOne() async throws {
        try await DemoWorld.with { world in
            let served = try await HTTP.request("GET", world.baseURL + "/api/v1/openapi.json")
            #expect(served.status == 200)
            #expect(served.contentType == "application/json")
            let committed = try Data(contentsOf: URL(fileURLWithPath: Self.committedPath))
            #expect(served.body == committed, "GET /api/v1/openapi.json differs from \(Self.committedPath)")
            let document = try #require(try JSONSerialization.jsonObject(with: served.body) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
        }
    }

    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedOneRegistered() throws {
        let journalPath = NSTemporaryDirectory() + "canary-openapi-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: journalPath + suffix) } }
        var logger = Logger(label: "openapi-test")
        logger.logLevel = .warning
        let engine = try CoordinatorEngine(config: CoordinatorConfig(), journal: try Journal(path: journalPath), logger: logger, now: ClockReading(ms: 0))
        let router = CoordinatorRouter.make(engine: engine, pump: nil, token: nil, clock: { ClockReading(ms: 0) })
        let registered = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \(Self.openAPIPath("\($0.path)"))" })

        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })

        #expect(!registered.isEmpty)
        #expect(registered.subtracting(documented).isEmpty, "routes missing from openapi.json: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not served: \(documented.subtracting(registered).sorted())")
    }

    @Test("the README's endpoint table lists exactly the documented operations, with the right auth")
    func readmeListsEveryEndpoint() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
        var documented: [String: String] = [:]
        for (path, operations) in paths {
            for (method, operation) in operations {
                let secured = (operation["security"] as? [Any]).map { !$0.isEmpty } ?? false
                documented["\(method.uppercased()) \(path)"] = secured ? "token" : "public"
            }
        }
        let readme = try String(contentsOfFile: packageRoot + "/README.md", encoding: .utf8)
        var listed: [String: String] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, cells[0].hasPrefix("`"), cells[0].hasSuffix("`") else { continue }
            let endpoint = String(cells[0].dropFirst().dropLast())
            guard endpoint.split(separator: " ").count == 2, endpoint.hasPrefix("GET ") || endpoint.contains(" /") else { continue }
            listed[endpoint] = cells[cells.count - 1]
        }
        let missing = Set(documented.keys).subtracting(listed.keys).sorted()
        let extra = Set(listed.keys).subtracting(documented.keys).sorted()
        #expect(missing.isEmpty, "in openapi.json, not in the README's endpoint table: \(missing)")
        #expect(extra.isEmpty, "in the README's endpoint table, not in openapi.json: \(extra)")
        let wrongAuth = documented.filter { listed[$0.key] != nil && listed[$0.key] != $0.value }.keys.sorted()
        #expect(wrongAuth.isEmpty, "auth column disagrees with openapi.json's security: \(wrongAuth)")
    }

    /// Hummingbird's `api/v1/rollouts/:id` as OpenAPI's `/api/v1/rollouts/{id}`.
    static func openAPIPath(_ path: String) -> String {
        let segments = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
        return "/" + segments.joined(separator: "/")
    }
}
