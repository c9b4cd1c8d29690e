import ArgumentParser
import CanarySimulator
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGTERM/SIGINT, or when the demo that started us is gone.
let simulatorStop = Atomic<Bool>(false)

/// `canary simulate --spec FILE` (hidden): the synthetic replicas and the
/// traffic of one demo run, in their own process as real replicas would be.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the synthetic replicas and traffic of a demo (started by `canary demo`).",
        shouldDisplay: false)

    @Option(name: .long, help: "The simulation spec (JSON) written by `canary demo`.")
    var spec: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: spec) else {
            throw ValidationError("cannot read the simulation spec \(spec)")
        }
        let decoded = try JSONDecoder().decode(SimulationSpec.self, from: data)
        for sig in [SIGTERM, SIGINT] {
            signal(sig) { _ in simulatorStop.store(true, ordering: .relaxed) }
        }
        // An orphaned simulator would write into rings nobody drains forever.
        let parent = getppid()
        let orphanWatch = Thread {
            while !simulatorStop.load(ordering: .relaxed) {
                if getppid() != parent { simulatorStop.store(true, ordering: .relaxed) }
                usleep(200_000)
            }
        }
        orphanWatch.start()
        let simulator = try Simulator(spec: decoded)
        try simulator.run(until: simulatorStop)
    }
}
