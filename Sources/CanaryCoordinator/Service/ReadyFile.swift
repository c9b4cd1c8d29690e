import Foundation

/// What `canary coordinator --ready-file PATH` writes once every socket and
/// the HTTP server are bound: a supervisor (the demo, a test, an init
/// system) reads the real endpoints here instead of scraping a log line,
/// which matters when it asked for port 0 or `tcp://…:*`.
struct ReadyFile: Codable, Sendable, Equatable {
    var router: String
    var publisher: String
    var httpPort: Int
    var httpURL: String
    /// The coordinator's epoch: a restarted coordinator writes a larger one.
    var epoch: UInt64

    /// Written to a temporary file next to `path`, then renamed over it, so
    /// a reader never sees half a file.
    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let temporary = path + ".tmp-\(getpid())"
        try encoder.encode(self).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw CoordinatorError(.internalError, "could not write the ready file \(path): \(reason)")
        }
    }
}
