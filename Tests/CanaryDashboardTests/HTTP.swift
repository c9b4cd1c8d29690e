import CanaryAPI
import Foundation

/// Raw calls for the tests through the API client: what a script or `curl` would do.
enum HTTP {
    /// `url` is the whole address (the client's base, with an empty path).
    static func request(_ method: String, _ url: String, body: Data? = nil, token: String? = nil) async throws -> CoordinatorAPIClient.Response {
        try await CoordinatorAPIClient(baseURL: URL(string: url)!, token: token).send(method, "", body: body)
    }

    static func json(_ url: String) async throws -> Any {
        try JSONSerialization.jsonObject(with: try await request("GET", url).body)
    }
}

/// Runs a program to its end; its standard output, error and exit status.
func runProcess(_ executable: String, _ arguments: [String], timeout: Double = 180) async throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let dir = NSTemporaryDirectory() + "canary-proc-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    _ = FileManager.default.createFile(atPath: dir + "/out", contents: nil)
    _ = FileManager.default.createFile(atPath: dir + "/err", contents: nil)
    // Files, not pipes: a chatty child can never block on a full pipe.
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/out"))
    process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/err"))
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline { process.terminate() }
        try await Task.sleep(for: .milliseconds(100))
    }
    let out = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
    return (process.terminationStatus, out, err)
}

/// The first of `names` found on PATH.
func which(_ names: [String]) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for name in names {
        for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
    }
    return nil
}

/// The package's root directory (the tests run from anywhere).
let packageRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.path
}()
