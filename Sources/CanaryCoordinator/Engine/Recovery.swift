import CanaryAPI
import CanaryConfig
import CanaryCore
import CanaryWire
import Foundation
import Logging

/// The coordinator's state rebuilt from its journal at start: the epoch (or
/// a new one), every active rollout at its last snapshot plus the windows
/// counted after it, the route tables (so sequences go on), the window
/// de-duplication marks, and the read model of every rollout ever run.
///
/// A step of its own so the engine's `init` only assigns what it returns;
/// it runs once, before the engine takes any message.
struct Recovery {
    let epoch: UInt64
    let fleet: Fleet
    let routes: RouteBook
    let registry: RolloutRegistry
    let readModel: RolloutReadModel

    static func restore(journal: Journal, config: CoordinatorConfig, logger: Logger) throws(JournalError) -> Recovery {
        let epoch: UInt64
        if let stored = try journal.meta("epoch"), let value = UInt64(stored) {
            epoch = value
        } else {
            epoch = UInt64.random(in: 1...UInt64(Int64.max))
            try journal.setMeta("epoch", String(epoch))
        }
        let registry = try rollouts(journal: journal, logger: logger)
        var routes = RouteBook(epoch: epoch)
        for record in try journal.routes() {
            if let table = record.split {
                routes.restore(table)
            } else {
                logger.error("journal: the route table of \(record.model) is unreadable and was not restored: \(record.tableJSON)")
            }
        }
        var fleet = Fleet(staleAfterMs: config.staleAfterMs)
        fleet.restore(marks: try journal.dedupeMarks().map { mark in
            let above = (try? JSONDecoder().decode([UInt64].self, from: Data(mark.aboveJSON.utf8))) ?? []
            return (agentID: mark.agentID, epoch: UInt64(bitPattern: mark.agentEpoch),
                    set: SequenceSet(contiguous: UInt64(mark.contiguous), above: Set(above)))
        })
        // Finished rollouts come from their stored summaries; the active
        // ones from the machines just rebuilt, which include the windows
        // replayed after their last snapshot.
        let readModel = RolloutReadModel()
        let decoder = JSONDecoder()
        for summary in try journal.rolloutSummaries() {
            do {
                readModel.update(try decoder.decode(RolloutView.self, from: Data(summary.viewJSON.utf8)), json: summary.viewJSON)
            } catch {
                logger.error("journal: the stored view of rollout \(summary.id) is unreadable and it is not listed: \(error)")
            }
        }
        for entry in registry.entries.values {
            readModel.update(RolloutView(entry: entry))
            logger.notice("resumed rollout \(entry.id) (\(entry.machine.plan.model) \(entry.machine.plan.baseline)→\(entry.machine.plan.canary)) in phase \(entry.machine.phase.rawValue) at step \(entry.machine.stepIndex + 1), canary \(entry.machine.canaryWeightPPM) ppm")
        }
        return Recovery(epoch: epoch, fleet: fleet, routes: routes, registry: registry, readModel: readModel)
    }

    /// Each active rollout: its snapshot, then the windows counted after it, in order.
    private static func rollouts(journal: Journal, logger: Logger) throws(JournalError) -> RolloutRegistry {
        var registry = RolloutRegistry()
        let decoder = JSONDecoder()
        for record in try journal.rollouts(activeOnly: true) {
            do {
                var machine = try decoder.decode(RolloutMachine.self, from: Data(record.stateJSON.utf8))
                for logged in try journal.windowLog(rolloutID: record.id) {
                    let window = try Window(wire: Canary_V1_Window(serializedBytes: [UInt8](logged.body)))
                    _ = machine.handle(.window(window, receivedAt: logged.receivedMs))
                }
                registry.insert(RolloutEntry(id: record.id, planSource: record.planSource, createdMs: record.createdMs,
                                             updatedMs: record.updatedMs, machine: machine, lastDecision: nil))
            } catch {
                logger.error("journal: rollout \(record.id) has an unreadable state snapshot and is not resumed: \(error)")
            }
        }
        return registry
    }
}
