import CanaryAPI
import Foundation

extension CoordinatorReadyFile {
    /// Waits (bounded) for the file `canary coordinator --ready-file PATH`
    /// writes once bound: the demo learns the real endpoints from it (it asks
    /// for port 0 and `tcp://127.0.0.1:*`), never from a log line.
    static func wait(path: String, coordinator: ChildProcess, timeout: Duration = .seconds(20)) async throws -> CoordinatorReadyFile {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if FileManager.default.fileExists(atPath: path) {
                do {
                    return try CoordinatorReadyFile.read(from: path)
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
