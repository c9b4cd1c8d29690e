import Foundation
import Synchronization

/// A serial executor on one thread of its own, for the engine actor: the
/// engine commits to SQLite synchronously (an ack must follow its commit),
/// and a blocking call belongs on a thread that is not one of the
/// cooperative pool's few. The thread ends when ``stop()`` is called (the
/// engine's deinit) and its queue is empty.
final class DedicatedThreadExecutor: SerialExecutor, Sendable {
    private struct Queue: Sendable {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let wake = NSCondition()

    init(name: String) {
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        wake.lock()
        queue.withLock { $0.jobs.append(job) }
        wake.signal()
        wake.unlock()
    }

    func stop() {
        wake.lock()
        queue.withLock { $0.stopped = true }
        wake.signal()
        wake.unlock()
    }

    private func run() {
        let executor = asUnownedSerialExecutor()
        while true {
            wake.lock()
            var taken = Queue()
            while true {
                taken = queue.withLock { queue in
                    defer { queue.jobs.removeAll(keepingCapacity: true) }
                    return queue
                }
                if !taken.jobs.isEmpty || taken.stopped { break }
                wake.wait()
            }
            wake.unlock()
            for job in taken.jobs { job.runSynchronously(on: executor) }
            if taken.stopped && taken.jobs.isEmpty { return }
        }
    }
}
