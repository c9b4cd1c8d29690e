import Foundation

/// A `canary` daemon started as a separate process, so a test can kill it
/// with SIGKILL like a crash would. Killed on deinit if still running.
final class Daemon: @unchecked Sendable {  // Process is used from the test task only
    let process: Process
    let logPath: String

    /// The `canary` executable built next to the test bundle.
    static func canaryExecutable() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("canary").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        let fallback = FileManager.default.currentDirectoryPath + "/.build/debug/canary"
        if FileManager.default.isExecutableFile(atPath: fallback) { return fallback }
        throw TestFailure("the canary executable was not found next to \(bundle.path); run `swift build` first")
    }

    /// `environment` is added to this process's (e.g. `LD_PRELOAD` for libfaketime).
    convenience init(_ arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        try self.init(executable: try Self.canaryExecutable(), arguments: arguments, logPath: logPath, environment: environment)
    }

    /// A command run by `/bin/sh -c` (for `ulimit` before `exec canary …`).
    convenience init(shell command: String, logPath: String) throws {
        try self.init(executable: "/bin/sh", arguments: ["-c", command], logPath: logPath)
    }

    init(executable: String, arguments: [String], logPath: String, environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        self.logPath = logPath
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGKILL, like a crash; returns once it is gone.
    func kill() async {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        await exited()
    }

    /// SIGTERM; returns once it has stopped (a graceful stop takes seconds).
    func terminate() async {
        guard process.isRunning else { return }
        process.terminate()
        await exited()
    }

    /// Polls instead of `waitUntilExit()`: a blocking wait would hold one of
    /// the cooperative pool's two threads for as long as the stop takes,
    /// and every other test of the process would wait with it.
    private func exited() async {
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }

    deinit {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Sends `signal` (SIGSTOP, SIGCONT: a stopped or resumed process).
    func signal(_ signal: Int32) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
    }
}

/// A TCP port free right now on loopback (for daemons that must keep the
/// same HTTP port across a restart).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestFailure("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0 else { throw TestFailure("bind() failed") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
