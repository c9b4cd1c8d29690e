import CanarySimulator
import Foundation

/// The scenario's actions: a process killed with SIGKILL as a crash would,
/// and restarted after `down_for`. Due times come from the steps the
/// simulator saw reached, the same clock its faults use.
extension DemoRun {
    func performDueActions(stepReachedMs: [Int: Int64], nowMs: Int64, done: inout Set<Int>) async throws {
        let steps = TriggerClock(stepsPPM: plan.stepsPPM, reachedMs: stepReachedMs)
        for (i, action) in scenario.actions.enumerated() where !done.contains(i) {
            var trigger = action.trigger
            trigger.after = trigger.after.scaled(by: speed)
            guard let due = steps.dueMs(trigger), nowMs >= due else { continue }
            done.insert(i)
            try await perform(action)
        }
    }

    func perform(_ action: ScenarioAction) async throws {
        let at = ProgressLine.seconds(DemoClock.nowMs() - startMs)
        let down = action.downFor.scaled(by: speed).milliseconds
        switch action.kind {
        case .killAgent:
            let matching = replicas.indices.filter { replicas[$0].role == action.target }
            guard action.replica < matching.count, let agent = processes.agents[matching[action.replica]] else {
                throw DemoError("scenario action kill_agent names \(action.target) replica \(action.replica), which does not exist")
            }
            let i = matching[action.replica]
            await processes.crash(agent)
            summary.actions.append("killed \(agentName(i)) (SIGKILL)")
            say("\(at)  ✖ killed \(agentName(i)) (SIGKILL); restarting in \(down) ms")
            pendingRestarts.append((DemoClock.nowMs() + down, .agent(i)))
        case .restartCoordinator:
            await processes.crash(processes.coordinator)
            summary.actions.append("killed the coordinator (SIGKILL)")
            say("\(at)  ✖ killed the coordinator (SIGKILL); restarting on the same journal in \(down) ms")
            pendingRestarts.append((DemoClock.nowMs() + down, .coordinator))
        }
    }

    /// Restarts whatever an action killed once its downtime is over.
    func restartDue(nowMs: Int64) async throws {
        for (index, pending) in pendingRestarts.enumerated().reversed() where nowMs >= pending.dueMs {
            pendingRestarts.remove(at: index)
            switch pending.restart {
            case .agent(let i):
                try startAgent(i)
                summary.actions.append("restarted \(agentName(i))")
                say("\(ProgressLine.seconds(DemoClock.nowMs() - startMs))  ↻ \(agentName(i)) restarted")
            case .coordinator:
                try await processes.startCoordinator(httpPort: options.port)
                summary.actions.append("restarted the coordinator")
                say("\(ProgressLine.seconds(DemoClock.nowMs() - startMs))  ↻ coordinator restarted")
            }
        }
    }
}
