import CanaryShm
import Foundation
import Testing

/// A segment name no other test (or test run) uses, so tests run in parallel.
func uniqueSegmentName(_ tag: String) -> String {
    "/canary-test.\(tag).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
}

/// Runs `body` with a fresh segment name and unlinks it afterwards.
func withSegmentName<T>(_ tag: String, _ body: (String) async throws -> T) async rethrows -> T {
    let name = uniqueSegmentName(tag)
    defer { _ = try? unlinkSharedSegment(name) }
    return try await body(name)
}

/// A built executable of this package: next to the test bundle in .build/.
func builtExecutable(_ name: String) throws -> URL {
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let candidate = exe.deletingLastPathComponent().appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: candidate.path) else {
        throw MissingPrerequisite(fix: "\(candidate.path) missing: run `swift build --product \(name)` before the tests")
    }
    return candidate
}

/// A child process with its stdout captured.
struct Child {
    let process: Process
    let stdout: Pipe

    static func launch(_ executable: URL, _ arguments: [String]) throws -> Child {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        return Child(process: p, stdout: out)
    }

    /// Waits for exit; returns (status, stdout).
    func finish() -> (Int32, String) {
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Reads stdout up to the first newline.
    func readLine() -> String {
        var bytes: [UInt8] = []
        while true {
            let d = stdout.fileHandleForReading.readData(ofLength: 1)
            if d.isEmpty || d.first == UInt8(ascii: "\n") { break }
            bytes.append(contentsOf: d)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Sum of drain results.
struct DrainTotals: Sendable {
    var delivered: UInt64 = 0
    var overrun: UInt64 = 0
    var torn: UInt64 = 0
    var abandoned: UInt64 = 0
    var pending = false
    var lost: UInt64 { overrun + torn + abandoned }
    var accounted: UInt64 { delivered + lost }

    mutating func add(_ r: DrainResult) {
        delivered += UInt64(r.delivered)
        overrun += r.overrun
        torn += r.torn
        abandoned += r.abandoned
        pending = r.pending
    }
}

/// Drains batch after batch, handing each to `onBatch`, until `done` says
/// so or `timeout` passes. The loop spins on a thread of its own: on the
/// cooperative pool (two threads for the whole suite) it would either hold
/// a thread for seconds or, sleeping between drains, wait behind every
/// other test for its next turn.
func drainUntil(
    _ reader: SampleReader, timeout: Duration = .seconds(30), batch: Int = 1024,
    onBatch: ([SampleRecord]) -> Void = { _ in }, done: @escaping @Sendable (DrainTotals) -> Bool
) async -> DrainTotals {
    let (totals, batches) = await withCheckedContinuation { (continuation: CheckedContinuation<(DrainTotals, [[SampleRecord]]), Never>) in
        Thread.detachNewThread {
            var totals = DrainTotals()
            var batches: [[SampleRecord]] = []
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while clock.now < deadline {
                let (records, r) = reader.drain(maxCount: batch)
                if !records.isEmpty { batches.append(records) }
                totals.add(r)
                if done(totals) { break }
                if r.delivered == 0 { usleep(100) }
            }
            continuation.resume(returning: (totals, batches))
        }
    }
    for records in batches { onBatch(records) }
    return totals
}

/// A counter writer threads bump when done.
final class DoneCounter: @unchecked Sendable { // every access holds `lock`
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// A test prerequisite that is not installed: the test fails (never skips)
/// and says how to fix it.
struct MissingPrerequisite: Error, CustomStringConvertible {
    let fix: String
    var description: String { fix }
}
