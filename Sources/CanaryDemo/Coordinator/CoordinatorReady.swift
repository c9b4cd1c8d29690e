import Foundation

/// The file `canary coordinator --ready-file PATH` writes once it is bound:
/// the demo learns the real endpoints from it (it asks for port 0 and
/// `tcp://127.0.0.1:*`), never from a log line.
struct CoordinatorReady: Decodable, Sendable, Equatable {
    var router: String
    var publisher: String
    var httpPort: Int
    var httpURL: String
    var epoch: UInt64

    /// Waits (bounded) for `path` to appear while `coordinator` runs.
    static func wait(path: String, coordinator: ChildProcess, timeout: Duration = .seconds(20)) async throws -> CoordinatorReady {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: path) {
                do {
                    return try JSONDecoder().decode(CoordinatorReady.self, from: data)
                } catch {
                    throw DemoError("the coordinator's ready file \(path) is not what the demo reads: \(error)")
                }
            }
            guard coordinator.isRunning else {
                throw DemoError("the coordinator exited at start; see \(coordinator.logPath):\n\(coordinator.logTail())")
            }
            await ChildProcess.pause(.milliseconds(20))
        }
        throw DemoError("the coordinator wrote no ready file (\(path)) within \(timeout); see \(coordinator.logPath)")
    }
}
