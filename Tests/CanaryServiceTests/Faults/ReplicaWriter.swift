import CanaryShm
import Foundation
import Synchronization

/// A synthetic model replica: records samples into its ring at a steady
/// rate, and can be paused so the test knows exactly how many it wrote.
/// The fault cases compare that number with what the journal counted.
final class ReplicaWriter: Sendable {
    let version: String
    let recorder: SampleRecorder
    private let written = Atomic<Int>(0)
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let perSecond: Int
    private let seed: UInt64

    init(ring: String, model: String, version: String, capacity: Int, perSecond: Int, seed: UInt64) throws {
        self.version = version
        self.perSecond = perSecond
        self.seed = seed
        recorder = try SampleRecorder(RingConfiguration(name: ring, model: model, version: version, capacity: capacity,
                                                        permissions: .ownerAndGroup))
    }

    /// Samples recorded so far (exact once `pause()` returned).
    var count: Int { written.load(ordering: .acquiring) }

    /// Starts (or restarts) recording: a batch every 20 ms, no errors, latency
    /// lognormal around 20 ms, random request keys.
    func resume() {
        let seed = self.seed &+ UInt64(count)
        task.withLock { current in
            guard current == nil else { return }
            current = Task {
                var rng = SeededRandom(seed: seed)
                let batch = max(1, self.perSecond / 50)
                while !Task.isCancelled {
                    for _ in 0..<batch {
                        let latency = 20 * exp(0.3 * rng.gaussian())
                        self.recorder.record(latency: .microseconds(Int64(latency * 1000)), status: .ok,
                                        prediction: .classIndex(Int32(rng.next() % 4)), key: rng.next())
                        self.written.add(1, ordering: .releasing)
                    }
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
        }
    }

    /// Stops recording; when it returns, `count` no longer changes.
    func pause() async {
        let running = task.withLock { current in
            defer { current = nil }
            return current
        }
        running?.cancel()
        await running?.value
    }
}
