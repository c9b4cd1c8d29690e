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
        // The shell lists its own descriptors ($$), not those of an `ls` it starts.
        let child = try ChildProcess.spawn(name: "fd-lister", executable: "/bin/sh",
                                           arguments: ["-c", "ls -l /proc/$$/fd"], logPath: log, truncateLog: true)
        #expect(await child.wait(timeout: .seconds(20)), "ls did not finish")
        let listing = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!listing.contains("socket:"), "the child inherited a socket (descriptor \(leaky) here):\n\(listing)")
        let numbers = listing.split(whereSeparator: \.isNewline).compactMap { line in
            line.split(separator: " ").last(where: { Int32($0) != nil }).flatMap { Int32($0) }
        }
        #expect(numbers.allSatisfy { $0 <= 2 }, "the child holds more than its standard streams:\n\(listing)")
    }
}
