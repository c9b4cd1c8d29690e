import CanaryAPI
import CanaryConfig
import CanaryCore
import CanaryWire
import Foundation
import Logging

/// The coordinator's state and rules: agents, rollouts, route tables and the
/// journal, behind one actor so every change is serialised.
///
/// Sockets and HTTP stay outside: the wire pump hands each received message
/// to ``receive(routingID:frames:now:peerKey:)`` (WireIntake.swift) and sends the
/// ``Outbound`` messages it gets back; the HTTP routes call the operator API
/// (OperatorAPI.swift) and read the ``RolloutReadModel``. Windows are staged
/// and counted in batches by ``flush(now:)`` — one SQLite transaction per
/// batch — and acked only after that transaction committed. Decisions reach
/// their sinks (DecisionSink.swift) the same way: the journal and the route
/// book within the step, everything that shows or sends them after it.
/// A commit that fails drops its step, puts memory back as the journal has
/// it and stops the deciding until the journal commits again (Durability.swift).
///
/// Each call brings a ``ClockReading``; the engine turns it into a
/// ``Moment`` on its ``RunClock`` (journaled, resumed at restart): every
/// duration it decides on — bake, deadlines, staleness, its own periods —
/// is on the run clock, the wall clock only stamps what people read.
///
/// The actor runs on a thread of its own (``DedicatedThreadExecutor``): its
/// synchronous SQLite commits never occupy a thread of the cooperative pool.
public actor CoordinatorEngine {
    public nonisolated let config: CoordinatorConfig
    public nonisolated let journal: Journal
    public nonisolated let events: EventHub
    /// Prometheus series (`/metrics`) and webhook notifications, fed after
    /// each committed step; neither ever blocks a decision.
    public nonisolated let metrics = CoordinatorMetrics()
    public nonisolated let notifier: WebhookNotifier
    /// What the read paths show; never waits for this actor.
    public nonisolated let readModel: RolloutReadModel
    public nonisolated let epoch: UInt64
    /// This start on the journal: route tables outrank earlier starts' (docs/route-tables.md).
    public nonisolated let incarnation: UInt64
    /// The agent keys allowed and their bindings (nil: no CURVE, every peer believed).
    public nonisolated let allowList: AllowListStore?
    let logger: Logger
    private let executor = DedicatedThreadExecutor(name: "canary.engine")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    var fleet: Fleet
    var registry: RolloutRegistry
    var routes: RouteBook
    var staged: [(routingID: [UInt8], window: Window)] = []
    /// The run clock; the periods below are on it.
    var clock: RunClock
    var aggregates = SecondAggregates()
    /// Every version's recent past, for the reference of a rollout's start.
    var references = BaselineReferences()
    var lastPublishMs: Int64 = 0
    var lastMetricsMs: Int64 = 0
    var lastSnapshotMs: [String: Int64] = [:]
    /// The step not yet committed (dropped, and memory put back, when its commit fails).
    var pending = PendingStep()
    /// Whether the journal commits; while it does not, nothing is decided (Durability.swift).
    var journalHealth = JournalHealth()
    /// False while a failed commit's memory could not yet be rebuilt from the journal.
    var memoryIsJournal = true
    /// The route book, the second buckets and the references as of the last commit: what a
    /// failed commit puts back, and the tables that are republished. Both
    /// small, and copied on write.
    var committedRoutes: RouteBook
    var committedAggregates = SecondAggregates()
    var committedReferences = BaselineReferences()
    public internal(set) var counters = WireCounters()
    /// Per allowed key: the agents it speaks for and what it had refused.
    var keyLedger: KeyLedger
    /// The models and versions counted, bounded by `limits:` (ModelBook.swift).
    var models: ModelBook
    var rejectionLog = RejectionLog()
    var helloLog = RejectionLog(burst: 20)

    public init(config: CoordinatorConfig, journal: Journal, events: EventHub = EventHub(), logger: Logger, now: ClockReading,
                allowList: AllowListStore? = nil) throws(JournalError) {
        self.config = config
        self.allowList = allowList
        keyLedger = KeyLedger(agentsPerKey: config.curve?.agentsPerKey ?? 64)
        self.journal = journal
        self.events = events
        self.logger = logger
        notifier = WebhookNotifier(webhooks: config.webhooks, logger: logger)
        let recovered = try Recovery.restore(journal: journal, config: config, logger: logger, now: now, bootID: RunClock.currentBootID())
        epoch = recovered.epoch
        incarnation = recovered.incarnation
        clock = recovered.clock
        fleet = recovered.fleet
        routes = recovered.routes
        committedRoutes = recovered.routes
        registry = recovered.registry
        readModel = recovered.readModel
        models = ModelBook(maxModels: config.limits.maxModels, maxVersionsPerModel: config.limits.maxVersionsPerModel)
    }

    deinit { executor.stop() }

    /// Counts the staged windows: feeds them to the rollouts, journals the
    /// step in one transaction, then returns the acks and any new route tables.
    public func flush(now reading: ClockReading) -> [Outbound] {
        let now = advanceClock(to: reading)
        // Nothing is staged while the journal fails; `tick` probes it.
        guard journalHealth.isCommitting, !staged.isEmpty || !pending.isEmpty else { return [] }
        let windows = staged
        staged.removeAll()
        var acks: [Outbound] = []
        var fed: [String: [Window]] = [:]
        var decided: Set<String> = []
        for (routingID, window) in windows {
            // A window that fits on its own may still not fit what it is
            // merged into (a rollout's cumulative arm, a second's bucket):
            // refused with the reason, before it is counted anywhere.
            if let problem = registry.mergeProblem(window) ?? aggregates.mergeProblem(window) {
                acks.append(contentsOf: refuseAtMerge(window, routingID: routingID, problem: problem, now: now))
                continue
            }
            guard fleet.count(agentID: window.agentID, epoch: window.agentEpoch, sequence: window.sequence) else {
                continue
            }
            aggregates.add(window)
            pending.counted.append(window)
            if fleet.feedsDecisions(window) {
                references.add(window, atMs: now.runMs)
                let step = registry.feed(window, now: now)
                for id in step.fed { fed[id, default: []].append(window) }
                for decision in step.decided { decided.insert(decision.event.rolloutID) }
                decide(step.decided)
            }
            acks.append(Self.ack(for: window, routingID: routingID))
        }
        // A rollout's state is snapshotted at most once a second (encoding
        // it is the costly part); between snapshots the windows it was fed
        // are journaled compactly and replayed onto the snapshot at restart,
        // so "acked" still means "counted in the rollout" after a crash.
        for (id, windows) in fed {
            if decided.contains(id) || now.runMs - (lastSnapshotMs[id] ?? 0) >= 1_000 {
                snapshot(id, now: now)
            } else {
                for window in windows {
                    let body = (try? Canary_V1_Window(window).serializedBytes() as [UInt8]) ?? []
                    // On the run clock: replayed into the machine at restart.
                    pending.batch.windowLog.append(WindowLogRecord(rolloutID: id, receivedMs: now.runMs, body: Data(body)))
                }
            }
        }
        let seconds = aggregates.takeChanged()
        pending.batch.aggregates += seconds
        pending.seconds += seconds
        pending.batch.forgottenDedupe += fleet.takeForgottenMarks().map { (agentID: $0.agentID, agentEpoch: Int64(bitPattern: $0.epoch)) }
        // Bit patterns both ways (Recovery.swift): any UInt64 round-trips,
        // and no conversion can trap on a sequence however large.
        pending.batch.dedupe += fleet.takeChangedMarks().map { mark in
            DedupeRecord(agentID: mark.agentID, agentEpoch: Int64(bitPattern: mark.epoch), contiguous: Int64(bitPattern: mark.set.contiguous),
                         aboveJSON: Self.json(mark.set.above.sorted()), updatedMs: now.wallMs,
                         departedThrough: mark.departedThrough.map { Int64(bitPattern: $0) })
        }
        // Not durable: no ack (the agents resend), no decision, no table;
        // the memory this flush changed is put back (Durability.swift).
        guard let released = commit(now: now) else { return [] }
        return released + acks
    }

    /// Time passes: staleness, bake time and deadlines, the periodic
    /// re-publication of every route table the journal committed (a table
    /// decided in this tick goes out with the commit below, never before).
    /// While the journal fails, only liveness, that republication and the probe.
    public func tick(now reading: ClockReading) -> [Outbound] {
        let now = advanceClock(to: reading)
        var out: [Outbound] = []
        let transitions = fleet.sweep(runMs: now.runMs)
        for transition in transitions { noteTransition(transition, now: now) }
        if !transitions.isEmpty { registry.noteStaleAgents(in: fleet, now: now) }
        forgetSilentAgents(now: now)
        let deciding = probeJournal(now: now)
        for id in registry.activeIDs where deciding {
            let decisions = registry.handle(.tick(now.runMs), id: id, now: now)
            decide(decisions)
            // Windows are snapshotted when counted and decisions at once;
            // what a quiet tick changes (verdicts, bake progress) is saved at
            // most once a second, so ticks stay cheap however big the state.
            if !decisions.isEmpty || !transitions.isEmpty || now.runMs - (lastSnapshotMs[id] ?? 0) >= 1_000 {
                snapshot(id, now: now)
            }
        }
        if now.runMs - lastPublishMs >= config.republishMs {
            lastPublishMs = now.runMs
            for model in committedRoutes.tables.keys.sorted() {
                if var table = committedRoutes.tables[model] {
                    table.publishedMs = now.wallMs
                    out.append(.publish(.routeTable(Canary_V1_RouteTable(table))))
                }
            }
        }
        if now.runMs - lastMetricsMs >= 1_000 {
            lastMetricsMs = now.runMs
            for entry in registry.entries.values where !entry.machine.phase.isTerminal || now.runMs - entry.updatedRunMs < 10_000 {
                events.publish(type: "rollout", RolloutView(entry: entry))
            }
        }
        guard deciding else { return out }
        defer { noteJournalRecovery(now: now) }
        return out + (commit(now: now) ?? [])
    }

    // MARK: - The step

    /// Decisions made in this step: the journal and the route book take
    /// them now; the others once the step committed (``commit()``).
    func decide(_ decisions: [Decided]) {
        guard !decisions.isEmpty else { return }
        for decision in decisions {
            pending.batch.take(decision)
            routes.take(decision)
            pending.decided.append(decision)
        }
        for table in routes.takeChanged() {
            pending.batch.routes.append(RouteRecord(table, updatedMs: table.publishedMs))
            pending.tables.append(table)
        }
    }

    /// Journals the rollout's state (and its view, for the read model).
    func snapshot(_ id: String, now: Moment) {
        registry.touch(id, now: now)
        guard let entry = registry[id] else { return }
        lastSnapshotMs[id] = now.runMs
        // The snapshot includes every window fed so far: its log is obsolete.
        pending.batch.windowLog.removeAll { $0.rolloutID == id }
        pending.batch.clearWindowLogs.insert(id)
        let plan = entry.machine.plan
        let view = RolloutView(entry: entry)
        let viewJSON = Self.json(view)
        pending.batch.rollouts.removeAll { $0.id == id }
        pending.batch.rollouts.append(RolloutRecord(
            id: id, model: plan.model, baseline: plan.baseline, canary: plan.canary, planSource: entry.planSource,
            stateJSON: Self.json(entry.machine), phase: entry.machine.phase.rawValue,
            active: !entry.machine.phase.isTerminal, createdMs: entry.createdMs, updatedMs: now.wallMs, viewJSON: viewJSON))
        pending.views[id] = (view, viewJSON)
    }

    /// Commits the pending step; once durable, counts its windows, hands
    /// its decisions to the sinks that show or send them and returns the
    /// route tables to publish. Nil when the commit failed: the step is
    /// dropped and memory put back as the journal has it (Durability.swift).
    func commit(now: Moment) -> [Outbound]? {
        guard !pending.isEmpty else { return [] }
        pending.batch.inputs += registry.takeInputs()
        // Every commit carries the run clock: never behind a time it journals.
        pending.batch.meta[RunClock.journalKey] = Self.json(clock)
        do {
            try journal.commit(pending.batch)
        } catch {
            journalFailed(error, now: now)
            return nil
        }
        let step = pending
        pending = PendingStep()
        routes.committed(step.tables)
        // Taken after `committed`: a restore (Durability.swift) puts back
        // the decided tables too, so a decision redone after a failed step
        // is seen as a change and gets its table.
        committedRoutes = routes
        committedAggregates = aggregates
        committedReferences = references
        counters.countedWindows += UInt64(step.counted.count)
        for window in step.counted {
            fleet.noteCounted(agentID: window.agentID, epoch: window.agentEpoch, endMs: window.endMs, nowMs: now.wallMs)
            metrics.counted(window)
        }
        var sinks: [any DecisionSink] = [events, metrics, notifier, DecisionLog(logger: logger)]
        for decision in step.decided {
            for index in sinks.indices { sinks[index].take(decision) }
        }
        for (view, json) in step.views.values { readModel.update(view, json: json) }
        for row in step.seconds { events.publish(type: "metrics", SecondMetrics(row)) }
        for agent in step.agents { events.publish(type: "agent", agent) }
        for departure in step.departures { events.publish(type: "agent_forgotten", departure) }
        return step.tables.map { .publish(.routeTable(Canary_V1_RouteTable($0))) }
    }

    /// The reading on the run clock. A reading that came much later than
    /// the one before means the coordinator did not run meanwhile: that
    /// time was left out (RunClock), and each rollout is told so its step
    /// record can say it.
    func advanceClock(to reading: ClockReading) -> Moment {
        let (now, stopped) = clock.advance(to: reading)
        if stopped > 0 {
            registry.noteTimeLeftOut(stoppedMs: stopped, downMs: 0, now: now)
            warn("clock_gap", now: now, "the coordinator did not run for \(DurationText.seconds(milliseconds: stopped)) (stopped, suspended or starved): left out of bake times, deadlines and timeouts")
        }
        return now
    }

    static func json(_ value: some Encodable) -> String {
        guard let data = try? EventHub.encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
