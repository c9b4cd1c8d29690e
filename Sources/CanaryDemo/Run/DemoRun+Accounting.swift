import CanaryAPI
import CanaryShm
import CanarySimulator
import Foundation

/// The end of a run: the final split on every route page, then the
/// processes stopped in data-flow order so every written sample can be
/// counted, with what the simulator wrote (its status file) set against
/// what the coordinator counted (its API).
extension DemoRun {
    func account() async {
        await settleRoutePages()
        // Traffic first, then agents (each flushes its last window), then
        // the coordinator (it journals what it staged).
        await processes.stopSimulator()
        if let status = SimulatorStatus.read(from: simulatorStatusPath) {
            summary.samplesWritten = status.written
            summary.faults = status.faultOnsetMs
            summary.faultOnsetMs = status.faultOnsetMs.values.min()
        }
        await ChildProcess.pause(.milliseconds(min(1_000, scenario.window.milliseconds + 200)))
        await waitUntilCounted(summary.samplesWrittenTotal, timeout: .seconds(20))
        await processes.stopAgents()
        if processes.coordinator?.isRunning == true {
            if let list = await api.agents() {
                summary.agents = list.map {
                    .init(agentID: $0.agentID, version: $0.version, windowsCounted: $0.windowsCounted,
                          windowsDuplicate: $0.windowsDuplicate, windowsRejected: $0.windowsRejected,
                          windowsDropped: $0.windowsDroppedTotal, ringLost: $0.ringLostTotal)
                }
                summary.ringLost = list.reduce(0) { $0 + $1.ringLostTotal }
            }
            if let counted = await settledCounts(written: summary.samplesWrittenTotal) { summary.samplesCounted = counted }
        }
        summary.countsUnavailable = summary.samplesCounted.isEmpty && summary.samplesWrittenTotal > 0
        await processes.stopCoordinator()
        await processes.stopRest()
        summary.pids = processes.pids
        summary.leftRunning = processes.leftRunning
        for r in replicas {
            _ = try? unlinkSharedSegment(r.ringName)
            _ = try? unlinkSharedSegment(r.routePageName)
        }
    }

    /// Lets the last split reach every route page before the watch stops.
    func settleRoutePages() async {
        let ended = ["promoted", "rolled_back"].contains(summary.outcome)
        let target: UInt32 = summary.outcome == "promoted" ? 1_000_000 : 0
        let settle = DemoClock.nowMs() + 2_000
        while ended, DemoClock.nowMs() < settle, let watch = routeWatch,
              !watch.snapshot.allSatisfy({ $0.canaryPPM == target }) {
            await ChildProcess.pause(.milliseconds(10))
        }
        routeWatch?.poll()
        routeWatch?.stop()
        if let pages = routeWatch?.snapshot {
            for page in pages { summary.routePagesCanaryPPM[page.name] = page.canaryPPM }
            summary.lastRouteZeroMs = pages.compactMap(\.droppedToZeroMs).max()
        }
    }

    /// The counts once the agents have stopped. An agent waits only a
    /// moment for its last window's ack before it exits, so on a loaded
    /// machine that window may still be on its way into the journal: read
    /// until the counts reach what was written or stop moving for a second.
    func settledCounts(written: UInt64, timeout: Duration = .seconds(5)) async -> [String: UInt64]? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last: [String: UInt64]?
        var lastChange = ContinuousClock.now
        while true {
            let counted = await api.countedSamples(model: plan.model)
            if let counted, counted.values.reduce(0, +) >= written { return counted }
            if counted != last {
                last = counted
                lastChange = ContinuousClock.now
            }
            if ContinuousClock.now >= deadline || ContinuousClock.now - lastChange >= .seconds(1) { return last }
            await ChildProcess.pause(.milliseconds(100))
        }
    }

    /// Waits (bounded) until the coordinator has counted every sample the
    /// replicas wrote, so stopping the agents loses nothing still in flight
    /// on a loaded machine; the summary reports whatever is missing after.
    func waitUntilCounted(_ written: UInt64, timeout: Duration) async {
        guard written > 0, processes.coordinator?.isRunning == true else { return }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if let counted = await api.countedSamples(model: plan.model), counted.values.reduce(0, +) >= written { return }
            await ChildProcess.pause(.milliseconds(100))
        }
    }
}
