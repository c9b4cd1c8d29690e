import Foundation
import Synchronization
import Testing
import ZeroMQ

/// Runs blocking zmq code on a fresh OS thread, so tests never block Swift's
/// cooperative pool (the same rule the library follows). `#expect` needs the
/// test's task context, so closures return what they saw and the test checks it.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Fails with `TimedOut` instead of hanging CI if `body` takes longer than
/// `seconds`. Unstructured on purpose: a task group would wait for a stuck child.
func withDeadline<T: Sendable>(
    _ seconds: Double, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = FirstOutcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.install(continuation)
        let work = Task {
            do { outcome.resume(.success(try await body())) } catch { outcome.resume(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: .seconds(seconds))
            if outcome.resume(.failure(TimedOut(seconds: seconds))) { work.cancel() }
        }
    }
}

/// Resumes a continuation with whichever result comes first.
final class FirstOutcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    func install(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }
    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ state in
            defer { state = nil }
            return state
        }) else { return false }
        continuation.resume(with: result)
        return true
    }
}

struct TimedOut: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "timed out after \(seconds) s" }
}

/// The transports a round trip is tested over; each makes a unique endpoint.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inproc, ipc, tcp

    var testDescription: String { rawValue }

    /// Where to bind: unique per call so tests run in parallel.
    func bindEndpoint() -> String {
        switch self {
        case .inproc: "inproc://test-\(UUID().uuidString)"
        case .ipc: "ipc:///tmp/canary-zmq-\(UUID().uuidString.prefix(13)).sock"
        case .tcp: "tcp://127.0.0.1:*"
        }
    }
}

extension Socket {
    /// A socket with a receive timeout, so no test can block forever.
    convenience init(_ context: ZeroMQContext, _ kind: SocketKind, timeout: Duration) throws {
        try self.init(context, kind)
        try set(.receiveTimeout, timeout)
        try set(.sendTimeout, timeout)
    }

    /// Binds to a unique endpoint of `transport` and returns the resolved one.
    func bindUnique(_ transport: Transport) throws -> String {
        try bind(transport.bindEndpoint())
        return try lastEndpoint
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

/// Removes an ipc socket file if libzmq left one behind.
func removeIPCFile(_ endpoint: String) {
    if endpoint.hasPrefix("ipc://") { unlink(String(endpoint.dropFirst("ipc://".count))) }
}

/// A counter shared between tasks and threads (an `Atomic` cannot be captured by escaping closures).
final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() { value.add(1, ordering: .relaxed) }
    var count: Int { value.load(ordering: .relaxed) }
}
