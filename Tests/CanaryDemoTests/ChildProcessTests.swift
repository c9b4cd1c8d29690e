import CanaryDemo
import Foundation
import Testing

/// What a spawned child inherits: its three standard streams, nothing else.
@Suite struct ChildProcessTests {
    /// A socket opened without close-on-exec (as NIO opens every one of its
    /// sockets) must not reach the child: a child holding it keeps the
    /// connection open after this process closed it, until the child exits.
    @Test func aChildInheritsNoDescriptorBeyondItsStandardStreams() async throws {
        let leaky = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(leaky >= 0)
        defer { close(leaky) }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("child-fds-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess.spawn(name: "fd-lister", executable: "/bin/sh",
                                           arguments: ["-c", "exec ls /proc/self/fd"], logPath: log, truncateLog: true)
        #expect(await child.wait(timeout: .seconds(20)), "ls did not finish")
        let listed = try String(contentsOfFile: log, encoding: .utf8).split(whereSeparator: \.isNewline).compactMap { Int32($0) }
        // 0, 1, 2, and the descriptor `ls` opened on /proc/self/fd itself.
        #expect(!listed.contains(leaky), "the child inherited descriptor \(leaky): it holds \(listed)")
        #expect(listed.filter { $0 > 2 }.count <= 1, "the child holds \(listed)")
    }
}
