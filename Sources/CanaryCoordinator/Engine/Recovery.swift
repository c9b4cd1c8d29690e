import CanaryAPI
import CanaryConfig
import CanaryCore
import CanaryWire
import Foundation
import Logging

/// The coordinator's state rebuilt from its journal at start: the epoch (or
/// a new one) and this start's incarnation, the run clock resumed (the
/// time it was down left out and told to every active rollout), every
/// active rollout at its last snapshot plus the windows counted after it,
/// the route tables (so sequences go on, and agents take them whatever they
/// hold: docs/route-tables.md), the window de-duplication marks, and the
/// read model of every rollout ever run.
///
/// A step of its own so the engine's `init` only assigns what it returns;
/// it runs once, before the engine takes any message.
struct Recovery {
    let epoch: UInt64
    let incarnation: UInt64
    let clock: RunClock
    let fleet: Fleet
    let routes: RouteBook
    let registry: RolloutRegistry
    let readModel: RolloutReadModel

    static func restore(journal: Journal, config: CoordinatorConfig, logger: Logger, now reading: ClockReading,
                        bootID: String) throws(JournalError) -> Recovery {
        let epoch: UInt64
        if let stored = try journal.meta("epoch"), let value = UInt64(stored) {
            epoch = value
        } else {
            epoch = UInt64.random(in: 1...UInt64(Int64.max))
            try journal.setMeta("epoch", String(epoch))
        }
        let incarnation = try journal.startIncarnation(nowMs: reading.wallMs)
        var clock = RunClock(starting: reading, bootID: bootID)
        var downMs: Int64 = 0
        if let stored = try journal.meta(RunClock.journalKey) {
            do {
                clock = try JSONDecoder().decode(RunClock.self, from: Data(stored.utf8))
                downMs = clock.resume(at: reading, bootID: bootID)
            } catch {
                logger.error("journal: the run clock is unreadable (\(error)); it restarts at the wall clock's reading, so steps in progress may count their time since the last reading as baked: \(stored.prefix(256))")
            }
        }
        let now = clock.advance(to: reading).now
        var (registry, quarantined) = try rollouts(journal: journal, config: config, logger: logger, now: now)
        if downMs > 0, !registry.activeIDs.isEmpty {
            registry.noteTimeLeftOut(stoppedMs: 0, downMs: downMs, now: now)
            logger.notice("the coordinator was down for \(DurationText.seconds(milliseconds: downMs)) since its last commit: left out of the bake time and deadlines of \(registry.activeIDs.count) rollouts in progress")
        }
        var routes = RouteBook(epoch: epoch, incarnation: incarnation)
        for record in try journal.routes() {
            if let table = record.split {
                routes.restore(table)
            } else {
                // Its number was used: the model's next table goes above it.
                routes.reserve(model: record.model, through: UInt64(clamping: record.sequence))
                logger.error("journal: the route table of \(record.model) is unreadable and was not restored (its next table is numbered above #\(record.sequence)): \(record.tableJSON)")
            }
        }
        var fleet = Fleet(staleAfterMs: config.staleAfterMs, forgetAfterMs: config.forgetAfterMs, maxAgents: config.limits.maxAgents)
        fleet.restore(marks: try marks(journal: journal))
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
        for (record, error) in quarantined {
            guard var view = readModel.view(id: record.id) ?? fallbackView(record) else {
                logger.error("journal: quarantined rollout \(record.id) has no readable view either; it is not listed")
                continue
            }
            view.quarantine = error
            readModel.update(view)
        }
        for entry in registry.entries.values {
            readModel.update(RolloutView(entry: entry))
            logger.notice("resumed rollout \(entry.id) (\(entry.machine.plan.model) \(entry.machine.plan.baseline)→\(entry.machine.plan.canary)) in phase \(entry.machine.phase.rawValue) at step \(entry.machine.stepIndex + 1), canary \(entry.machine.canaryWeightPPM) ppm")
        }
        return Recovery(epoch: epoch, incarnation: incarnation, clock: clock, fleet: fleet, routes: routes, registry: registry, readModel: readModel)
    }

    /// The window de-duplication marks as journaled.
    static func marks(journal: Journal) throws(JournalError) -> [Fleet.Mark] {
        try journal.dedupeMarks().map { mark in
            let above = (try? JSONDecoder().decode([UInt64].self, from: Data(mark.aboveJSON.utf8))) ?? []
            // Bit patterns, as written (CoordinatorEngine.flush): never a trap.
            return Fleet.Mark(agentID: mark.agentID, epoch: UInt64(bitPattern: mark.agentEpoch),
                              set: SequenceSet(contiguous: UInt64(bitPattern: mark.contiguous), above: Set(above.prefix(4_096))),
                              departedThrough: mark.departedThrough.map { UInt64(bitPattern: $0) })
        }
    }

    /// Each active rollout: its snapshot, then the windows counted after it,
    /// in order — never trusted blindly. A state that does not decode, or
    /// decodes into something that fails its checks (`integrityProblem`:
    /// counts over what a histogram carries, steps and weights out of
    /// range), is quarantined: left out of the registry, shown in the API
    /// with the error, logged; every other rollout resumes. A logged window
    /// that no longer merges is refused by its machine (counted there).
    static func rollouts(journal: Journal, config: CoordinatorConfig, logger: Logger, now: Moment) throws(JournalError)
        -> (RolloutRegistry, [(RolloutRecord, String)]) {
        var registry = RolloutRegistry()
        var quarantined: [(RolloutRecord, String)] = []
        let decoder = JSONDecoder()
        for record in try journal.rollouts(activeOnly: true) {
            do {
                var machine = try decoder.decode(RolloutMachine.self, from: Data(record.stateJSON.utf8))
                if let problem = machine.integrityProblem() {
                    throw RecoveryProblem(sentence: "its state snapshot fails its checks: \(problem)")
                }
                for logged in try journal.windowLog(rolloutID: record.id) {
                    let wire = try Canary_V1_Window(serializedBytes: [UInt8](logged.body))
                    let window = try Window(wire: wire, bounds: config.limits.window)
                    _ = machine.handle(.window(window, receivedAt: logged.receivedMs))
                }
                if let problem = machine.integrityProblem() {
                    throw RecoveryProblem(sentence: "its state after replaying the window log fails its checks: \(problem)")
                }
                // The fleet starts empty: agents are known again once they
                // speak, and go stale again only if they then fall silent. A
                // stale list saved before the restart would otherwise be
                // waited for forever (no transition would ever clear it).
                if !machine.staleAgents.isEmpty {
                    logger.notice("rollout \(record.id): no longer waiting for agents that were stale before the restart (\(machine.staleAgents.prefix(8).joined(separator: ", "))); the fleet is rebuilt from the agents that speak now")
                }
                registry.insert(RolloutEntry(id: record.id, planSource: record.planSource, createdMs: record.createdMs,
                                             updatedMs: now.wallMs, updatedRunMs: now.runMs, machine: machine, lastDecision: nil))
                // Through the registry, so its input log says so too.
                if !machine.staleAgents.isEmpty { _ = registry.handle(.staleAgents([], at: now.runMs), id: record.id, now: now) }
            } catch {
                let sentence = "journal: rollout \(record.id) (\(record.model)) could not be resumed and is quarantined: \(error); its route table stays as journaled, every other rollout resumes"
                logger.error("\(sentence)")
                quarantined.append((record, "\(error)"))
            }
        }
        return (registry, quarantined)
    }

    /// A view of a quarantined rollout whose stored view is unreadable too,
    /// from the record's columns and its plan source.
    private static func fallbackView(_ record: RolloutRecord) -> RolloutView? {
        guard let plan = try? RolloutPlan.parse(yaml: record.planSource, file: "journal") else { return nil }
        let machine = RolloutMachine(plan: plan)
        let phase = RolloutPhase(rawValue: record.phase) ?? .paused
        return RolloutView(
            id: record.id, name: plan.name, model: record.model, baseline: record.baseline, canary: record.canary,
            phase: phase, step: 1, steps: plan.stepsPPM.count, stepsPPM: plan.stepsPPM, canaryWeightPPM: 0,
            weightsPPM: machine.weightsPPM, stepStartedMs: nil, createdMs: record.createdMs, updatedMs: record.updatedMs,
            waitingFor: [], pauseReason: nil, staleAgents: [], verdicts: [], summaries: [:], lastDecision: nil,
            plan: plan, planSource: record.planSource)
    }
}

/// Why a journaled rollout was not resumed (beyond a decoding error).
struct RecoveryProblem: Error, CustomStringConvertible {
    let sentence: String
    var description: String { sentence }
}
