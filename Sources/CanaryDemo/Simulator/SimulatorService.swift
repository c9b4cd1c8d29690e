import CanarySimulator
import Foundation
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `canary simulate`'s one `Service`: the synthetic replicas and traffic of
/// a demo run on a thread of their own (the traffic loop is synchronous and
/// paced with usleep, so it stays off the cooperative pool), until a
/// graceful shutdown or until the demo that started it is gone.
public final class SimulatorService: Service {
    let spec: SimulationSpec
    /// Read by the traffic loop; a class so the atomic has a stable address.
    final class StopFlag: Sendable {
        let value = Atomic<Bool>(false)
    }
    private let stop = StopFlag()

    public init(spec: SimulationSpec) { self.spec = spec }

    /// Loads the spec `canary demo` wrote.
    public convenience init(specPath: String) throws {
        guard let data = FileManager.default.contents(atPath: specPath) else {
            throw DemoError("cannot read the simulation spec \(specPath)")
        }
        do {
            self.init(spec: try JSONDecoder().decode(SimulationSpec.self, from: data))
        } catch {
            throw DemoError("the simulation spec \(specPath) is not valid: \(error)")
        }
    }

    public func run() async throws {
        let stop = self.stop
        let spec = self.spec
        let parent = getppid()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        let thread = Thread {
                            // Ends the orphan watch too, however the traffic ended.
                            defer { stop.value.store(true, ordering: .relaxed) }
                            do {
                                let simulator = try Simulator(spec: spec)
                                try simulator.run(until: stop.value)
                                continuation.resume()
                            } catch {
                                continuation.resume(throwing: error)
                            }
                        }
                        thread.name = "canary.simulator.traffic"
                        thread.start()
                    }
                }
                group.addTask {
                    // An orphaned simulator would write into rings nobody drains forever.
                    while !stop.value.load(ordering: .relaxed) {
                        if getppid() != parent { stop.value.store(true, ordering: .relaxed) }
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            stop.value.store(true, ordering: .relaxed)
        }
    }
}
