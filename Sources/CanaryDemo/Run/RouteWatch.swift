import CanaryShm
import Foundation
import Synchronization

/// Reads every agent's route page every millisecond on its own thread and
/// remembers when each one last dropped the canary to 0 %: the moment a
/// rollback reached that replica's routers, which is what the measurement
/// reports (the coordinator's decision time alone says nothing about routing).
final class RouteWatch: Sendable {
    struct PageState: Sendable {
        var name: String
        var canaryPPM: UInt32 = 0
        /// Wall ms the canary went from > 0 to 0 on this page, most recent.
        var droppedToZeroMs: Int64?
    }

    let canary: String
    let pages: [RoutePage]
    private let state: Mutex<[PageState]>
    private let stopped = Atomic<Bool>(false)

    init(pageNames: [String], model: String, canary: String) throws {
        self.canary = canary
        pages = try pageNames.map {
            try RoutePage(name: $0, model: model, permissions: .ownerAndGroup, readyTimeout: .seconds(2))
        }
        state = Mutex(pageNames.map { PageState(name: $0) })
    }

    func start() {
        let thread = Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                poll()
                usleep(1_000)
            }
        }
        thread.name = "canary.demo.route-watch"
        thread.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    func poll() {
        let nowMs = DemoClock.nowMs()
        let weights = pages.map { page -> UInt32 in
            guard let table = try? page.read() else { return 0 }
            return table.entries.first { $0.version == canary }?.weightPPM ?? 0
        }
        state.withLock { states in
            for (i, w) in weights.enumerated() {
                if w == 0 && states[i].canaryPPM > 0 { states[i].droppedToZeroMs = nowMs }
                states[i].canaryPPM = w
            }
        }
    }

    var snapshot: [PageState] { state.withLock { $0 } }
}

/// Wall-clock milliseconds, the unit the coordinator stamps decisions with.
enum DemoClock {
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000).rounded()) }
}
