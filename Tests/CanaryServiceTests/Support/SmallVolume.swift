import Foundation
import GRDB

/// A small tmpfs mounted for one test, so a journal on it can be made to
/// run out of space for real (ENOSPC from the kernel, SQLITE_FULL from
/// SQLite). Mounting needs root (CAP_SYS_ADMIN); ``canMount`` says whether
/// this host allows it, for the tests' `.enabled(if:)`.
final class SmallVolume: Sendable {
    let path: String
    var filler: String { path + "/filler" }

    /// Whether `mount -t tmpfs` works here (tried once, on a probe directory).
    static let canMount: Bool = {
        guard let probe = try? SmallVolume(sizeMiB: 1) else { return false }
        probe.unmount()
        return true
    }()

    init(sizeMiB: Int) throws {
        path = Unique.directory()
        let run = try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeMiB)m,mode=0700", "tmpfs", path])
        guard run == 0 else { throw TestFailure("mount -t tmpfs on \(path) failed (status \(run)); root is needed") }
    }

    /// Writes a filler file until the volume refuses (ENOSPC). Before that,
    /// the journal's WAL is checkpointed and truncated, so SQLite has no
    /// room left inside its own files: its next commit needs a new block.
    func fill(journal: String) throws {
        let pool = try DatabasePool(path: journal, configuration: {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            return configuration
        }())
        _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        try pool.close()
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(filler): errno \(errno)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xA5, count: 64 << 10)
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == ENOSPC else { throw TestFailure("writing \(filler) failed: errno \(errno)") }
                return
            }
        }
    }

    /// Frees the space again.
    func unfill() {
        unlink(filler)
    }

    func unmount() {
        unlink(filler)
        _ = try? Self.run("/bin/umount", ["-l", path])
        rmdir(path)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
