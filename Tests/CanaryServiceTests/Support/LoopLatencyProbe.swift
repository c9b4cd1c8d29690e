import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// How late NIO's shared event loops (the ones every in-process HTTP server
/// and client of the suite runs on) answer a no-op task, measured from a
/// thread of its own so a starved task pool does not hide it. For failure
/// messages of timing tests: it tells a stuck loop from a late observer.
final class LoopLatencyProbe: Sendable, CustomStringConvertible {
    /// One for the whole test process, started on first use.
    static let shared = LoopLatencyProbe()

    private let worst: Mutex<[Duration]>

    private init(every interval: TimeInterval = 0.05) {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        worst = Mutex(Array(repeating: .zero, count: loops.count))
        let thread = Thread { [self] in  // a process-wide singleton: never freed
            let clock = ContinuousClock()
            while true {
                for (index, loop) in loops.enumerated() {
                    let start = clock.now
                    try? loop.submit {}.wait()
                    let late = clock.now - start
                    worst.withLock { $0[index] = max($0[index], late) }
                }
                Thread.sleep(forTimeInterval: interval)
            }
        }
        thread.name = "loop-latency-probe"
        thread.start()
    }

    /// The longest each loop took to run a no-op task so far.
    var description: String {
        "event loops answered within " + worst.withLock { $0 }.map { "\($0)" }.joined(separator: ", ")
    }
}
