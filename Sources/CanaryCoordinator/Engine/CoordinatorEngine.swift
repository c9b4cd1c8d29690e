import CanaryAPI
import CanaryCore
import CanaryWire
import Foundation
import Logging

/// The coordinator's state and rules: agents, rollouts, route tables and the
/// journal, behind one actor so every change is serialised.
///
/// Sockets and HTTP stay outside: the wire pump hands each received message
/// to ``receive(routingID:frames:nowMs:)`` and sends the ``Outbound``
/// messages it gets back; the HTTP routes call the API methods. Windows are
/// staged and counted in batches by ``flush(nowMs:)`` — one SQLite
/// transaction per batch — and acked only after that transaction committed.
public actor CoordinatorEngine {
    public let config: CoordinatorConfig
    public let journal: Journal
    public let events: EventHub
    /// Prometheus series (`/metrics`) and webhook notifications, fed by the
    /// hooks in `flush` and `apply`; neither ever blocks a decision.
    public let metrics = CoordinatorMetrics()
    public let notifier: WebhookNotifier
    public let epoch: UInt64
    let logger: Logger

    private(set) var fleet: Fleet
    private var rollouts: [String: RolloutEntry] = [:]
    private var routes: RouteBook
    private var staged: [(routingID: [UInt8], window: Window)] = []
    private var aggregates = SecondAggregates()
    private var lastPublishMs: Int64 = 0
    private var lastMetricsMs: Int64 = 0
    private var pendingBatch = JournalBatch()
    private var lastSnapshotMs: [String: Int64] = [:]
    public private(set) var counters = WireCounters()

    public init(config: CoordinatorConfig, journal: Journal, events: EventHub = EventHub(), logger: Logger, nowMs: Int64) throws(JournalError) {
        self.config = config
        self.journal = journal
        self.events = events
        self.logger = logger
        notifier = WebhookNotifier(webhooks: config.webhooks, logger: logger)
        if let stored = try journal.meta("epoch"), let value = UInt64(stored) {
            epoch = value
        } else {
            epoch = UInt64.random(in: 1...UInt64(Int64.max))
            try journal.setMeta("epoch", String(epoch))
        }
        var fleet = Fleet(staleAfterMs: config.staleAfterMs)
        var routes = RouteBook(epoch: epoch)
        var restored: [String: RolloutEntry] = [:]
        let decoder = JSONDecoder()
        for record in try journal.rollouts(activeOnly: true) {
            do {
                var machine = try decoder.decode(RolloutMachine.self, from: Data(record.stateJSON.utf8))
                // Windows counted after the last snapshot, in order.
                for logged in try journal.windowLog(rolloutID: record.id) {
                    let window = try Window(wire: Canary_V1_Window(serializedBytes: [UInt8](logged.body)))
                    _ = machine.handle(.window(window, receivedAt: logged.receivedMs))
                }
                restored[record.id] = RolloutEntry(id: record.id, planSource: record.planSource, createdMs: record.createdMs,
                                                   updatedMs: record.updatedMs, machine: machine, lastDecision: nil)
            } catch {
                logger.error("journal: rollout \(record.id) has an unreadable state snapshot and is not resumed: \(error)")
            }
        }
        for record in try journal.routes() {
            if let table = try? Canary_V1_RouteTable(jsonString: record.tableJSON) { routes.restore(table) }
        }
        var marks: [(agentID: String, epoch: UInt64, set: SequenceSet)] = []
        for mark in try journal.dedupeMarks() {
            let above = (try? decoder.decode([UInt64].self, from: Data(mark.aboveJSON.utf8))) ?? []
            marks.append((mark.agentID, UInt64(bitPattern: mark.agentEpoch), SequenceSet(contiguous: UInt64(mark.contiguous), above: Set(above))))
        }
        fleet.restore(marks: marks)
        self.fleet = fleet
        self.routes = routes
        self.rollouts = restored
        for entry in restored.values {
            logger.notice("resumed rollout \(entry.id) (\(entry.machine.plan.model) \(entry.machine.plan.baseline)→\(entry.machine.plan.canary)) in phase \(entry.machine.phase.rawValue) at step \(entry.machine.stepIndex + 1), canary \(entry.machine.canaryWeightPPM) ppm")
        }
    }

    // MARK: - Wire

    /// Handles one message from the ROUTER (`frames` without the routing id).
    /// Windows are only staged here; everything else is answered at once.
    public func receive(routingID: [UInt8], frames: [[UInt8]], nowMs: Int64) -> [Outbound] {
        let message: WireMessage
        do {
            message = try WireMessage.decode(frames)
        } catch {
            counters.reject(error.code.description)
            logger.warning("dropped a message from peer \(Self.hex(routingID)): \(error)")
            return []
        }
        switch message {
        case .hello(let hello):
            counters.received("hello")
            if let transition = fleet.hello(hello, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
            logger.info("agent \(hello.agentID) (\(hello.model)/\(hello.version), epoch \(hello.agentEpoch)) said hello")
            var out = snapshotReplies(model: hello.model, routingID: routingID)
            if hello.hasHistogram, (try? HistogramSettings(wire: hello.histogram)) != config.histogram {
                var reject = Canary_V1_Reject()
                reject.agentID = hello.agentID
                reject.agentEpoch = hello.agentEpoch
                reject.reason = "histogram_settings_mismatch"
                reject.message = "agent histogram settings differ from the fleet's (\(config.histogram)); its windows will be refused"
                out.append(.reply(routingID: routingID, .reject(reject)))
            }
            return out
        case .heartbeat(let beat):
            counters.received("heartbeat")
            if let transition = fleet.heartbeat(beat, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
            // Sequence 0 acks the heartbeat: the agent's proof of our presence.
            var ack = Canary_V1_Ack()
            ack.agentID = beat.agentID
            ack.agentEpoch = beat.agentEpoch
            return [.reply(routingID: routingID, .ack(ack))]
        case .snapshotRequest(let request):
            counters.received("snapshot_request")
            if let transition = fleet.touch(request.agentID, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
            return snapshotReplies(model: request.model, routingID: routingID)
        case .window(let wire):
            counters.received("window")
            return stage(wire, routingID: routingID, nowMs: nowMs)
        case .ack, .routeTable, .reject:
            counters.reject("unexpected_kind")
            logger.warning("dropped a \(message.kind.name) from peer \(Self.hex(routingID)): agents do not send that kind")
            return []
        }
    }

    private func stage(_ wire: Canary_V1_Window, routingID: [UInt8], nowMs: Int64) -> [Outbound] {
        if let transition = fleet.touch(wire.agentID, nowMs: nowMs) { noteTransition(transition, nowMs: nowMs) }
        let window: Window
        do {
            window = try Window(wire: wire)
        } catch {
            return refuse(wire, routingID: routingID, reason: error.code.description, message: error.message)
        }
        guard window.latency.settings == config.histogram else {
            return refuse(wire, routingID: routingID, reason: "histogram_settings_mismatch",
                          message: "window histogram settings \(window.latency.settings) differ from the fleet's \(config.histogram)")
        }
        if fleet.isDuplicate(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence) {
            counters.duplicateWindows += 1
            _ = fleet.count(agentID: wire.agentID, epoch: wire.agentEpoch, sequence: wire.sequence, endMs: wire.endMs, nowMs: nowMs)
            return [.reply(routingID: routingID, .ack(Self.ack(wire, duplicate: true)))]
        }
        if staged.contains(where: { $0.window.agentID == wire.agentID && $0.window.agentEpoch == wire.agentEpoch && $0.window.sequence == wire.sequence }) {
            // The first copy is staged, not yet durable: its ack follows the
            // commit. Acking this resend now would ack an uncounted window,
            // and marking it counted here would make the flush skip the
            // staged copy as a duplicate — its samples would be lost.
            counters.duplicateWindows += 1
            return []
        }
        staged.append((routingID, window))
        return []
    }

    private func refuse(_ wire: Canary_V1_Window, routingID: [UInt8], reason: String, message: String) -> [Outbound] {
        counters.reject(reason)
        fleet.countRejected(agentID: wire.agentID)
        logger.warning("refused window \(wire.agentID)#\(wire.sequence): \(message)")
        var reject = Canary_V1_Reject()
        reject.agentID = wire.agentID
        reject.agentEpoch = wire.agentEpoch
        reject.sequence = wire.sequence
        reject.reason = reason
        reject.message = message
        return [.reply(routingID: routingID, .reject(reject))]
    }

    /// Counts the staged windows: feeds them to the rollouts, journals the
    /// step in one transaction, then returns the acks and any new route tables.
    public func flush(nowMs: Int64) -> [Outbound] {
        guard !staged.isEmpty || !pendingBatch.isEmpty else { return [] }
        let windows = staged
        staged.removeAll()
        var out: [Outbound] = []
        var acks: [Outbound] = []
        var fed: [String: [Window]] = [:]
        var decided: Set<String> = []
        for (routingID, window) in windows {
            guard fleet.count(agentID: window.agentID, epoch: window.agentEpoch, sequence: window.sequence, endMs: window.endMs, nowMs: nowMs) else {
                continue
            }
            counters.countedWindows += 1
            aggregates.add(window)
            metrics.counted(window)
            for id in rollouts.keys where rollouts[id]!.machine.plan.model == window.model && !rollouts[id]!.machine.phase.isTerminal {
                if !fleet.isLive(window.agentID) { continue }
                let decisions = rollouts[id]!.machine.handle(.window(window, receivedAt: nowMs))
                fed[id, default: []].append(window)
                if !decisions.isEmpty { decided.insert(id) }
                out += apply(decisions, rolloutID: id, nowMs: nowMs)
            }
            var wire = Canary_V1_Window()
            wire.agentID = window.agentID
            wire.agentEpoch = window.agentEpoch
            wire.sequence = window.sequence
            acks.append(.reply(routingID: routingID, .ack(Self.ack(wire, duplicate: false))))
        }
        // A rollout's state is snapshotted at most once a second (encoding
        // it is the costly part); between snapshots the windows it was fed
        // are journaled compactly and replayed onto the snapshot at restart,
        // so "acked" still means "counted in the rollout" after a crash.
        for (id, windows) in fed {
            if decided.contains(id) || nowMs - (lastSnapshotMs[id] ?? 0) >= 1_000 {
                snapshot(id, nowMs: nowMs)
            } else {
                for window in windows {
                    let body = (try? Canary_V1_Window(window).serializedBytes() as [UInt8]) ?? []
                    pendingBatch.windowLog.append(WindowLogRecord(rolloutID: id, receivedMs: nowMs, body: Data(body)))
                }
            }
        }
        let seconds = aggregates.takeChanged()
        pendingBatch.aggregates += seconds
        publishSeconds(seconds)
        pendingBatch.dedupe += fleet.takeChangedMarks().map { mark in
            DedupeRecord(agentID: mark.agentID, agentEpoch: Int64(bitPattern: mark.epoch), contiguous: Int64(mark.set.contiguous),
                         aboveJSON: Self.json(mark.set.above.sorted()), updatedMs: nowMs)
        }
        guard commitPending() else {
            // Not durable: withhold the acks so the agents resend. The
            // in-memory marks make the resends count as duplicates, so the
            // live state stays exact; only a crash now could lose them.
            return out
        }
        return out + acks
    }

    /// Time passes: staleness, bake time and deadlines, the periodic
    /// re-publication of every route table.
    public func tick(nowMs: Int64) -> [Outbound] {
        var out: [Outbound] = []
        let transitions = fleet.sweep(nowMs: nowMs)
        for transition in transitions { noteTransition(transition, nowMs: nowMs) }
        for id in rollouts.keys.sorted() where !rollouts[id]!.machine.phase.isTerminal {
            if !transitions.isEmpty {
                let model = rollouts[id]!.machine.plan.model
                let stale = fleet.agents.values.filter { $0.stale && $0.model == model }.map(\.agentID)
                _ = rollouts[id]!.machine.handle(.staleAgents(stale, at: nowMs))
            }
            let decisions = rollouts[id]!.machine.handle(.tick(nowMs))
            out += apply(decisions, rolloutID: id, nowMs: nowMs)
            // Windows are snapshotted when counted and decisions at once;
            // what a quiet tick changes (verdicts, bake progress) is saved at
            // most once a second, so ticks stay cheap however big the state.
            if !decisions.isEmpty || !transitions.isEmpty || nowMs - (lastSnapshotMs[id] ?? 0) >= 1_000 {
                snapshot(id, nowMs: nowMs)
            }
        }
        if nowMs - lastPublishMs >= config.republishMs {
            lastPublishMs = nowMs
            for model in routes.tables.keys.sorted() {
                if var table = routes.tables[model] {
                    table.publishedMs = nowMs
                    out.append(.publish(.routeTable(table)))
                }
            }
        }
        if nowMs - lastMetricsMs >= 1_000 {
            lastMetricsMs = nowMs
            for entry in rollouts.values where !entry.machine.phase.isTerminal || nowMs - entry.updatedMs < 10_000 {
                events.publish(type: "rollout", RolloutView(entry: entry))
            }
        }
        _ = commitPending()
        return out
    }

    // MARK: - Rollouts

    private func apply(_ decisions: [Decision], rolloutID: String, nowMs: Int64) -> [Outbound] {
        guard !decisions.isEmpty, var entry = rollouts[rolloutID] else { return [] }
        var out: [Outbound] = []
        for decision in decisions {
            entry.lastDecision = decision
            let payload = DecisionEvent(rolloutID: rolloutID, model: entry.machine.plan.model, decision: decision)
            pendingBatch.events.append(EventRecord(rolloutID: rolloutID, tMs: decision.atMs, kind: "decision",
                                                   action: decision.action.rawValue, reason: decision.reason,
                                                   payloadJSON: Self.json(payload)))
            events.publish(type: "decision", payload)
            metrics.decided(payload, nowMs: nowMs)
            notifier.enqueue(payload, rollout: RolloutView(entry: entry))
            logger.notice("rollout \(rolloutID): \(decision.action.rawValue) → \(decision.weightsPPM) — \(decision.reason)")
            if let table = routes.update(model: entry.machine.plan.model, rolloutID: rolloutID, phase: decision.phase,
                                         canary: entry.machine.plan.canary, weightsPPM: decision.weightsPPM, nowMs: nowMs) {
                out.append(.publish(.routeTable(table)))
                pendingBatch.routes.append(RouteRecord(model: table.model, sequence: Int64(table.sequence),
                                                       tableJSON: (try? table.jsonString()) ?? "{}", updatedMs: nowMs))
            }
        }
        entry.updatedMs = nowMs
        rollouts[rolloutID] = entry
        return out
    }

    private func snapshot(_ id: String, nowMs: Int64) {
        guard var entry = rollouts[id] else { return }
        lastSnapshotMs[id] = nowMs
        // The snapshot includes every window fed so far: its log is obsolete.
        pendingBatch.windowLog.removeAll { $0.rolloutID == id }
        pendingBatch.clearWindowLogs.insert(id)
        entry.updatedMs = nowMs
        rollouts[id] = entry
        let plan = entry.machine.plan
        pendingBatch.rollouts.removeAll { $0.id == id }
        pendingBatch.rollouts.append(RolloutRecord(
            id: id, model: plan.model, baseline: plan.baseline, canary: plan.canary, planSource: entry.planSource,
            stateJSON: Self.json(entry.machine), phase: entry.machine.phase.rawValue,
            active: !entry.machine.phase.isTerminal, createdMs: entry.createdMs, updatedMs: nowMs))
    }

    private func commitPending() -> Bool {
        guard !pendingBatch.isEmpty else { return true }
        do {
            try journal.commit(pendingBatch)
            pendingBatch = JournalBatch()
            return true
        } catch {
            counters.journalFailures += 1
            logger.error("\(error)")
            return false
        }
    }

    /// Starts a rollout from a plan's YAML text.
    public func start(planSource: String, file: String = "plan", nowMs: Int64) throws(CoordinatorError) -> (RolloutView, [Outbound]) {
        let plan: RolloutPlan
        do {
            plan = try RolloutPlan.parse(yaml: planSource, file: file)
        } catch {
            throw CoordinatorError(.invalidPlan, "the plan is invalid: \(error.issues.first?.description ?? "unknown problem")",
                                   details: error.issues.map(\.description))
        }
        if let active = rollouts.values.first(where: { $0.machine.plan.model == plan.model && !$0.machine.phase.isTerminal }) {
            throw CoordinatorError(.conflict, "model \(plan.model) already has an active rollout (\(active.id), \(active.machine.phase.rawValue)); abort or finish it first")
        }
        let id = Self.newID(model: plan.model, nowMs: nowMs)
        var entry = RolloutEntry(id: id, planSource: planSource, createdMs: nowMs, updatedMs: nowMs,
                                 machine: RolloutMachine(plan: plan), lastDecision: nil)
        let stale = fleet.agents.values.filter { $0.stale && $0.model == plan.model }.map(\.agentID)
        _ = entry.machine.handle(.staleAgents(stale, at: nowMs))
        let decisions = entry.machine.handle(.start(at: nowMs))
        rollouts[id] = entry
        pendingBatch.events.append(EventRecord(rolloutID: id, tMs: nowMs, kind: "command", action: "start",
                                               reason: "rollout \(plan.name) started: \(plan.model) \(plan.baseline)→\(plan.canary)",
                                               payloadJSON: Self.json(plan)))
        let out = apply(decisions, rolloutID: id, nowMs: nowMs)
        snapshot(id, nowMs: nowMs)
        guard commitPending() else {
            throw CoordinatorError(.internalError, "the rollout started but could not be journaled; see the coordinator log")
        }
        return (RolloutView(entry: rollouts[id]!), out)
    }

    /// An operator command; refused with a sentence when the phase forbids it.
    public func command(_ command: OperatorCommand, rolloutID: String, nowMs: Int64) throws(CoordinatorError) -> (RolloutView, [Outbound]) {
        guard let entry = rollouts[rolloutID] ?? loadTerminal(rolloutID) else {
            throw CoordinatorError(.notFound, "no rollout with id '\(rolloutID)'")
        }
        if let why = entry.machine.rejection(of: command) {
            throw CoordinatorError(.conflict, "cannot \(Self.name(command)) rollout \(rolloutID): \(why)")
        }
        let decisions = rollouts[rolloutID]!.machine.handle(.command(command, at: nowMs))
        pendingBatch.events.append(EventRecord(rolloutID: rolloutID, tMs: nowMs, kind: "command", action: Self.name(command),
                                               reason: "operator asked to \(Self.name(command))", payloadJSON: Self.json(command)))
        let out = apply(decisions, rolloutID: rolloutID, nowMs: nowMs)
        snapshot(rolloutID, nowMs: nowMs)
        guard commitPending() else {
            throw CoordinatorError(.internalError, "the command was applied but could not be journaled; see the coordinator log")
        }
        return (RolloutView(entry: rollouts[rolloutID]!), out)
    }

    public func rolloutViews() -> [RolloutView] {
        var views = rollouts.values.map(RolloutView.init(entry:))
        // Finished rollouts no longer in memory come from the journal.
        if let records = try? journal.rollouts() {
            for record in records where rollouts[record.id] == nil {
                if let entry = Self.entry(from: record) { views.append(RolloutView(entry: entry)) }
            }
        }
        return views.sorted { $0.createdMs > $1.createdMs }
    }

    public func rolloutView(id: String) -> RolloutView? {
        (rollouts[id] ?? loadTerminal(id)).map(RolloutView.init(entry:))
    }

    public func agentStatuses() -> [AgentStatus] {
        fleet.agents.values.sorted { $0.agentID < $1.agentID }
    }

    public func routeTables() -> [Canary_V1_RouteTable] {
        routes.tables.values.sorted { $0.model < $1.model }
    }

    public func stagedWindowCount() -> Int { staged.count }

    // MARK: - Helpers

    private func loadTerminal(_ id: String) -> RolloutEntry? {
        guard let record = try? journal.rollout(id: id) else { return nil }
        return Self.entry(from: record)
    }

    private static func entry(from record: RolloutRecord) -> RolloutEntry? {
        guard let machine = try? JSONDecoder().decode(RolloutMachine.self, from: Data(record.stateJSON.utf8)) else { return nil }
        return RolloutEntry(id: record.id, planSource: record.planSource, createdMs: record.createdMs,
                            updatedMs: record.updatedMs, machine: machine, lastDecision: nil)
    }

    private func snapshotReplies(model: String, routingID: [UInt8]) -> [Outbound] {
        guard let table = routes.tables[model] else { return [] }
        return [.reply(routingID: routingID, .routeTable(table))]
    }

    private func noteTransition(_ transition: Fleet.Transition, nowMs: Int64) {
        let sentence = transition.stale
            ? "agent \(transition.agentID) is stale: silent for more than \(config.staleAfterMs) ms; its windows are left out"
            : "agent \(transition.agentID) is live again"
        if transition.stale { logger.warning("\(sentence)") } else { logger.notice("\(sentence)") }
        pendingBatch.events.append(EventRecord(rolloutID: nil, tMs: nowMs, kind: "agent", action: transition.stale ? "stale" : "live",
                                               reason: sentence, payloadJSON: Self.json(["agent": transition.agentID])))
        events.publish(type: "agent", fleet.agents[transition.agentID])
        // A stale agent that speaks again leaves the machines' stale lists.
        if !transition.stale {
            for id in rollouts.keys where !rollouts[id]!.machine.phase.isTerminal {
                let model = rollouts[id]!.machine.plan.model
                let stale = fleet.agents.values.filter { $0.stale && $0.model == model }.map(\.agentID)
                _ = rollouts[id]!.machine.handle(.staleAgents(stale, at: nowMs))
            }
        }
    }

    static func ack(_ wire: Canary_V1_Window, duplicate: Bool) -> Canary_V1_Ack {
        var ack = Canary_V1_Ack()
        ack.agentID = wire.agentID
        ack.agentEpoch = wire.agentEpoch
        ack.sequence = wire.sequence
        ack.duplicate = duplicate
        return ack
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

    static func json(_ value: some Encodable) -> String {
        guard let data = try? EventHub.encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}

/// What the wire side has received and refused, by reason.
public struct WireCounters: Sendable, Equatable, Codable {
    public var receivedByKind: [String: UInt64] = [:]
    public var rejectedByReason: [String: UInt64] = [:]
    public var countedWindows: UInt64 = 0
    public var duplicateWindows: UInt64 = 0
    public var journalFailures: UInt64 = 0

    mutating func received(_ kind: String) { receivedByKind[kind, default: 0] += 1 }
    mutating func reject(_ reason: String) { rejectedByReason[reason, default: 0] += 1 }
}
