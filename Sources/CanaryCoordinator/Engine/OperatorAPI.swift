import CanaryAPI
import CanaryCore
import Foundation

/// What the HTTP API asks of the engine: start a rollout, apply an operator
/// command, and the reads. Commands are journaled before they are answered;
/// reads of the rollouts come from the read model, not the machines.
extension CoordinatorEngine {
    /// Starts a rollout from a plan's YAML text.
    public func start(planSource: String, file: String = "plan", now reading: ClockReading) throws(CoordinatorError) -> (RolloutView, [Outbound]) {
        let now = advanceClock(to: reading)
        try requireJournal("start a rollout")
        let plan: RolloutPlan
        do {
            plan = try RolloutPlan.parse(yaml: planSource, file: file)
        } catch {
            throw CoordinatorError(.invalidPlan, "the plan is invalid: \(error.issues.first?.description ?? "unknown problem")",
                                   details: error.issues.map(\.description))
        }
        if let active = registry.active(model: plan.model) {
            throw CoordinatorError(.conflict, "model \(plan.model) already has an active rollout (\(active.id), \(active.machine.phase.rawValue)); abort or finish it first")
        }
        // A route table sending a share to a version nobody serves would
        // drop that traffic until the progress deadline.
        if let missing = ServedVersions(fleet.agents.values).missing(for: plan) {
            throw CoordinatorError(.noLiveAgents, "cannot start the rollout: \(missing)", details: [
                "start the agents of the missing versions or fix the plan's model and versions; to wait for agents that are starting: canary rollout start --wait-for-agents 1m",
            ])
        }
        guard let dropped = registry.makeRoom(limit: config.limits.maxRollouts) else {
            throw CoordinatorError(.conflict, "\(config.limits.maxRollouts) rollouts are in progress, the limit (limits.max_rollouts); finish or abort one first")
        }
        for id in dropped { lastSnapshotMs[id] = nil }
        let id = Self.newID(model: plan.model, nowMs: now.wallMs)
        registry.insert(RolloutEntry(id: id, planSource: planSource, createdMs: now.wallMs, updatedMs: now.wallMs, updatedRunMs: now.runMs,
                                     machine: RolloutMachine(plan: plan), lastDecision: nil))
        _ = registry.handle(.staleAgents(RolloutRegistry.staleAgents(of: plan.model, in: fleet), at: now.runMs), id: id, now: now)
        if let askedMs = plan.interferenceReferenceMs {
            let reference = references.reference(model: plan.model, version: plan.baseline, askedMs: askedMs, nowMs: now.runMs)
            _ = registry.handle(.reference(reference, at: now.runMs), id: id, now: now)
        }
        pending.batch.events.append(EventRecord(rolloutID: id, tMs: now.wallMs, kind: "command", action: "start",
                                                reason: "rollout \(plan.name) started: \(plan.model) \(plan.baseline)→\(plan.canary)",
                                                payloadJSON: Self.json(plan)))
        decide(registry.handle(.start(at: now.runMs), id: id, now: now))
        return try commitAnswer(id, now: now, what: "start a rollout")
    }

    /// An operator command; refused with a sentence when the phase forbids it.
    public func command(_ command: OperatorCommand, rolloutID: String, now reading: ClockReading) async throws(CoordinatorError) -> (RolloutView, [Outbound]) {
        let now = advanceClock(to: reading)
        guard let entry = registry[rolloutID] else {
            // Finished before this process started: only its refusal is left to say.
            let record = try? await journal.readRollout(id: rolloutID)
            guard let record, let machine = try? JSONDecoder().decode(RolloutMachine.self, from: Data(record.stateJSON.utf8)) else {
                throw CoordinatorError(.notFound, "no rollout with id '\(rolloutID)'")
            }
            throw CoordinatorError(.conflict, "cannot \(Self.name(command)) rollout \(rolloutID): \(machine.rejection(of: command) ?? "it is \(machine.phase.rawValue)")")
        }
        try requireJournal("\(Self.name(command)) rollout \(rolloutID)")
        if let why = entry.machine.rejection(of: command) {
            throw CoordinatorError(.conflict, "cannot \(Self.name(command)) rollout \(rolloutID): \(why)")
        }
        let decisions = registry.handle(.command(command, at: now.runMs), id: rolloutID, now: now)
        pending.batch.events.append(EventRecord(rolloutID: rolloutID, tMs: now.wallMs, kind: "command", action: Self.name(command),
                                                reason: "operator asked to \(Self.name(command))", payloadJSON: Self.json(command)))
        decide(decisions)
        return try commitAnswer(rolloutID, now: now, what: "\(Self.name(command)) rollout \(rolloutID)")
    }

    /// Snapshots the rollout, commits, and answers with its view, or with
    /// 503 when the journal refused: success is only said once durable,
    /// and a refused call leaves nothing behind (the failed commit put the
    /// engine back as the journal has it).
    private func commitAnswer(_ id: String, now: Moment, what: String) throws(CoordinatorError) -> (RolloutView, [Outbound]) {
        snapshot(id, now: now)
        guard let out = commit(now: now) else {
            throw journalHealth.failure.map { Self.journalRefusal(what, $0) }
                ?? CoordinatorError(.internalError, "could not \(what): the journal refused the commit; see the coordinator log")
        }
        guard let entry = registry[id] else {
            throw CoordinatorError(.internalError, "could not \(what): rollout \(id) is gone after its commit")
        }
        return (RolloutView(entry: entry), out)
    }

    /// Every rollout, newest first, from the read model: never decodes a
    /// machine and never waits for the engine.
    public nonisolated func rolloutViews() async -> [RolloutView] {
        readModel.views()
    }

    /// One rollout: live when this engine steers it, else as last journaled.
    public func rolloutView(id: String) -> RolloutView? {
        registry[id].map(RolloutView.init(entry:)) ?? readModel.view(id: id)
    }

    /// Distinct models whose windows are counted (bounded by `limits.max_models`).
    public func modelCount() -> Int { models.count }

    public func agentStatuses() -> [AgentStatus] {
        let statuses = fleet.agents.values.sorted { $0.agentID < $1.agentID }
        guard allowList != nil else { return statuses }
        return statuses.map { status in
            var status = status
            status.keyFingerprint = keyFingerprint(ofAgent: status.agentID)
            return status
        }
    }

    static func name(_ command: OperatorCommand) -> String {
        switch command {
        case .pause: "pause"
        case .resume: "resume"
        case .promote: "promote"
        case .abort: "abort"
        case .setWeight: "set weight"
        }
    }

    static func newID(model: String, nowMs: Int64) -> String {
        let safe = model.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" }
        return "\(String(safe).prefix(40))-\(String(nowMs, radix: 36))-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }
}
