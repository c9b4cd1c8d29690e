import Foundation

/// The document `canary coordinator --ready-file PATH` writes once its
/// ROUTER, PUB and HTTP listeners are all bound: where a supervisor (the
/// demo, a test, a script) connects, without scraping a log line. Written
/// atomically (a temporary file renamed over the path), so a reader sees
/// either no file or the whole document.
public struct CoordinatorReadyFile: Codable, Sendable, Equatable {
    /// The bound ROUTER endpoint agents connect to, e.g. `tcp://127.0.0.1:40123`.
    public var router: String
    /// The bound PUB endpoint agents subscribe to.
    public var publisher: String
    /// Base URL of the HTTP API and dashboard, e.g. `http://127.0.0.1:8080`.
    public var httpURL: String
    public var httpPort: Int
    /// The coordinator epoch (the one in route tables and `/healthz`).
    public var epoch: UInt64

    public init(router: String, publisher: String, httpURL: String, httpPort: Int, epoch: UInt64) {
        self.router = router
        self.publisher = publisher
        self.httpURL = httpURL
        self.httpPort = httpPort
        self.epoch = epoch
    }

    /// Writes the document to `path` through a temporary file and a rename.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // `.atomic`: Foundation writes a temporary file beside the target
        // and renames it into place.
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a document written by ``write(to:)``.
    public static func read(from path: String) throws -> CoordinatorReadyFile {
        try JSONDecoder().decode(CoordinatorReadyFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
