/// The rollout state machine: a value, driven only by `handle(_:)`.
///
///     pending → progressing(step) ⇄ paused → promoted | rolledBack | aborted
///
/// It advances one step only when the step has baked (`bake.min_duration`
/// and `bake.min_samples_per_arm` for every arm with traffic, a control arm
/// included — RolloutMachine+Control), every guard
/// passes (not merely "no failure": `needMoreData` holds it), no agent is
/// stale and each arm with traffic reported within `stale_after`. A failing
/// guard applies `on_breach` at once (a data-quality failure — ring loss —
/// only pauses: holes in the data say nothing about the canary). A step that
/// cannot complete within `progress_deadline` (paused time excluded) gets
/// the breach action too.
///
/// Every duration is measured on the events' clock, which must not jump
/// (RolloutEvent); the coordinator's run clock leaves out the time it was
/// stopped or down, and tells the machine how much (`timeLeftOut`) so the
/// decision that ends a step says so (``BakeTime``).
///
/// Windows are only merged when they arrive; judging happens on the next
/// `tick` (if anything arrived), so its cost — a few passes over each latency
/// histogram — does not grow with the number of agents. The coordinator ticks
/// at least once a second; a breach acts on the first tick after the window.
///
/// Pure and replayable: the same events in the same order give the same
/// decisions; it never reads a clock, and Codable lets the coordinator
/// snapshot it. Give it a validated plan (`RolloutPlan.parse` or
/// `RolloutPlan.validate()`).
public struct RolloutMachine: Sendable, Equatable, Codable {
    public let plan: RolloutPlan
    public private(set) var phase: RolloutPhase = .pending
    /// Index into `plan.stepsPPM` of the current step (0 before the start).
    public private(set) var stepIndex: Int = 0
    public private(set) var canaryWeightPPM: UInt32 = 0
    public private(set) var stepStartedAtMs: Int64?
    public private(set) var latestVerdicts: [Verdict] = []
    /// Why the current step has not advanced yet (empty when it may).
    public private(set) var waitingFor: [String] = []
    public private(set) var staleAgents: [String] = []
    public private(set) var pauseReason: String?
    /// Windows refused because they could not merge (settings or edges).
    public private(set) var refusedWindows: UInt64 = 0
    public private(set) var lastRefusal: String?
    /// The baseline before the start (RolloutEvent.reference); journaled
    /// with the machine, so a recovered rollout keeps it.
    public private(set) var baselineReference: BaselineReference?

    private(set) var baselineData = ArmData()
    private(set) var canaryData = ArmData()
    /// The control arm, for a plan with one (nil otherwise, and in
    /// snapshots journaled before controls existed).
    private(set) var controlData: ArmData?
    private var pausedAtMs: Int64?
    /// Time the caller's clock left out during this step (optional: absent
    /// from snapshots journaled before it was kept).
    private var stepStoppedMs: Int64?
    private var stepDownMs: Int64?
    private var deadlineStartMs: Int64?
    /// Paused at a manual gate before entering `stepIndex + 1`.
    private var atGate = false
    /// The operator set the weight by hand; `resume` re-enters the plan.
    private var manualWeight = false
    /// Windows arrived since the last judgement.
    private var hasNewData = false
    /// The relative guards' time strata (optional: absent from snapshots
    /// journaled before strata; such a rollout starts them at its recovery,
    /// its earlier data kept as one stratum).
    var strata: Strata?
    /// The bake time at which an inconclusive step applies
    /// `on_inconclusive` (absent: `bake.max_duration`); a resume after an
    /// inconclusive pause grants another `max_duration`.
    private var inconclusiveAtMs: Int64?

    public init(plan: RolloutPlan) {
        self.plan = plan
        if plan.control != nil { controlData = ArmData() }
    }

    // MARK: Observable state

    var baselineCumulative: Window? { baselineData.cumulative }
    var canaryCumulative: Window? { canaryData.cumulative }

    /// By route label: baseline, canary and the control if the plan has one.
    public var weightsPPM: [String: UInt32] { plan.weightsPPM(canary: canaryWeightPPM) }

    /// How long the current step has baked by `now` (paused time
    /// excluded) and what was left out of it; nil outside a step.
    public func bake(at now: Int64) -> BakeTime? {
        guard let start = stepStartedAtMs, phase == .progressing || phase == .paused else { return nil }
        let end = phase == .paused ? (pausedAtMs ?? now) : now
        return BakeTime(bakedMs: Swift.max(0, end - start), stoppedMs: stepStoppedMs ?? 0, downMs: stepDownMs ?? 0)
    }

    /// Cumulative per-version metrics since the rollout began.
    public var summaries: [String: VersionSummary] {
        var result: [String: VersionSummary] = [:]
        if let w = baselineData.cumulative { result[plan.baseline] = VersionSummary(w) }
        if let w = canaryData.cumulative { result[plan.canary] = VersionSummary(w) }
        if let control = plan.control, let w = controlData?.cumulative { result[control] = VersionSummary(w) }
        return result
    }

    // MARK: Events

    public mutating func handle(_ event: RolloutEvent) -> [Decision] {
        guard !phase.isTerminal else { return [] }
        switch event {
        case .start(let now):
            guard phase == .pending, !plan.stepsPPM.isEmpty else { return [] }
            return [enter(step: 0, at: now, action: .advance, reason: "rollout started at \(PercentText.text(ppm: plan.stepsPPM[0]))")]
        case .window(let window, let now):
            ingest(window, at: now)
            return []
        case .tick(let now):
            trim(now: now)
            guard phase != .pending else { return [] }
            if hasNewData {
                closeStratumIfDue(at: now)
                judge(now: now)
                hasNewData = false
                let breach = reactToFailures(now: now)
                if !breach.isEmpty { return breach }
            }
            return checkProgress(now: now)
        case .command(let command, let now):
            return apply(command, at: now)
        case .staleAgents(let ids, _):
            staleAgents = Array(Set(ids)).sorted()
            return []
        case .reference(let reference, _):
            guard phase == .pending, baselineReference == nil else { return [] }
            baselineReference = reference
            return []
        case .timeLeftOut(let stopped, let down, _):
            // Only a baking step's record reports it; a paused one's bake is frozen anyway.
            guard phase == .progressing else { return [] }
            stepStoppedMs = (stepStoppedMs ?? 0) &+ Swift.max(0, stopped)
            stepDownMs = (stepDownMs ?? 0) &+ Swift.max(0, down)
            return []
        }
    }

    /// Why `command` would be refused in the current phase, or nil if it applies.
    public func rejection(of command: OperatorCommand) -> String? {
        if phase.isTerminal { return "the rollout is already \(phase.rawValue)" }
        switch command {
        case .pause: return phase == .progressing ? nil : "only a progressing rollout can be paused (it is \(phase.rawValue))"
        case .resume: return phase == .progressing ? "the rollout is already progressing" : nil
        case .promote, .abort: return nil
        case .setWeight(let ppm):
            return ppm <= RolloutPlan.fullWeightPPM ? nil : "weight \(ppm) ppm is over 100 %"
        }
    }

    // MARK: Data

    /// Why a machine decoded from a journal cannot be trusted, or nil: its
    /// plan fails validation, its step or weight is out of range, or a count
    /// it holds is over what a histogram carries or contradicts another.
    /// Recovery quarantines such a rollout instead of evaluating it.
    public func integrityProblem() -> String? {
        do {
            try plan.validate(file: "journal")
        } catch {
            return "its plan is invalid: \(error.issues.map(\.message).joined(separator: "; "))"
        }
        guard (0..<Swift.max(1, plan.stepsPPM.count)).contains(stepIndex) else {
            return "step index \(stepIndex) is outside the plan's \(plan.stepsPPM.count) steps"
        }
        guard canaryWeightPPM <= RolloutPlan.fullWeightPPM else { return "canary weight \(canaryWeightPPM) ppm is over 100 %" }
        for (name, arm) in [("baseline", baselineData), ("canary", canaryData), ("control", controlData ?? ArmData())] {
            for window in [arm.cumulative, arm.recent.sum].compactMap({ $0 }) {
                if let problem = window.countsProblem() { return "the \(name) arm's data: \(problem)" }
            }
        }
        if let reference = baselineReference?.window {
            if reference.model != plan.model || reference.version != plan.baseline {
                return "its baseline reference is of \(reference.model)/\(reference.version), not of the plan's baseline \(plan.model)/\(plan.baseline)"
            }
            if let problem = reference.countsProblem() { return "the baseline reference: \(problem)" }
        }
        return nil
    }

    /// Why this machine would refuse `window` (it would not merge into the
    /// arm it belongs to), or nil; a window of another model or version
    /// is not this machine's concern.
    public func mergeProblem(_ window: Window) -> WindowError? {
        guard window.model == plan.model, let arm = arm(of: window) else { return nil }
        guard let cumulative = data(of: arm).cumulative else { return nil }
        do {
            try cumulative.checkMerge(with: window)
            return nil
        } catch {
            return error
        }
    }

    private mutating func ingest(_ window: Window, at now: Int64) {
        guard window.model == plan.model else { return }
        if let problem = controlProblem(window) {
            refusedWindows += 1
            lastRefusal = problem
            return
        }
        guard let arm = arm(of: window) else { return }
        do {
            switch arm {
            case .baseline: try baselineData.add(window, at: now)
            case .canary: try canaryData.add(window, at: now)
            case .control: try controlData?.add(window, at: now)
            }
            // The strata hold the two arms the relative guards compare.
            if arm == .canary || arm == comparedArm { addToStratum(window, isCanary: arm == .canary, at: now) }
            hasNewData = true
        } catch {
            refusedWindows += 1
            lastRefusal = "window \(window.agentID)#\(window.sequence) of \(window.version) refused: \(error.message)"
        }
        trim(now: now)
    }

    private mutating func trim(now: Int64) {
        baselineData.trim(olderThan: now - plan.analysisWindowMs)
        canaryData.trim(olderThan: now - plan.analysisWindowMs)
        controlData?.trim(olderThan: now - plan.analysisWindowMs)
    }

    static func empty(like template: Window, version: String? = nil) -> Window {
        var w = template
        w.version = version ?? template.version
        w.agentID = Window.mergedAgentID
        w.startMs = .max
        w.endMs = .min
        w.requestCount = 0
        w.statuses = StatusCounts()
        w.latency = (try? LatencyHistogram(settings: template.latency.settings)) ?? LatencyHistogram()
        w.labeledCount = 0
        w.correctCount = 0
        w.predictionCounts = [:]
        w.scores = (try? ScoreBins(edges: template.scores.edges)) ?? .none
        w.ringLost = 0
        w.ringOverrun = 0
        w.unmatchedCount = 0
        return w
    }

    /// Relative guards compare the canary with ``comparisonArm``.
    private mutating func judge(now: Int64) {
        let compared = comparisonArm
        guard let template = compared.data.cumulative ?? canaryData.cumulative ?? baselineData.cumulative else { return }
        let baseline = compared.data.cumulative ?? Self.empty(like: template, version: plan.baseline)
        let canary = canaryData.cumulative ?? Self.empty(like: template, version: plan.canary)
        let strata = self.strata ?? legacyStrata(at: now)
        let input = JudgeInput(
            baseline: baseline, canary: canary, recentBaseline: compared.data.recentMerged(like: baseline),
            recentCanary: canaryData.recentMerged(like: canary), comparedWith: compared.name, closedStrata: strata.closed,
            openBaseline: strata.baseline, openCanary: strata.canary, requiresEvidence: requiresEvidence,
            canaryShare: comparedCanaryShare,
            stepLabeled: canaryData.stepLabeled ?? 0, stepRequests: canaryData.stepRequests,
            reference: baselineReference)
        latestVerdicts = Judge(plan: plan).evaluate(input)
    }

    // MARK: Reactions

    private mutating func reactToFailures(now: Int64) -> [Decision] {
        let failures = latestVerdicts.filter(\.isFail).map(\.evidence)
        guard !failures.isEmpty, canaryWeightPPM > 0 || phase == .progressing else { return [] }
        let reason = "guard failed: " + failures.map(\.sentence).joined(separator: "; ")
        let onlyDataQuality = failures.allSatisfy { $0.kind == .dataQuality }
        let action: BreachAction = onlyDataQuality ? .pause : plan.onBreach
        switch action {
        case .rollback:
            return [finish(.rolledBack, action: .rollback, at: now, reason: reason, evidence: failures)]
        case .pause:
            guard phase == .progressing else { return [] }
            return [pause(at: now, reason: reason, evidence: failures)]
        }
    }

    private mutating func checkProgress(now: Int64) -> [Decision] {
        guard phase == .progressing, let stepStart = stepStartedAtMs else { return [] }
        var waiting: [String] = []
        let baked = now - stepStart
        if baked < plan.bake.minDurationMs {
            waiting.append("bake \(baked / 1000) s of \(plan.bake.minDurationMs / 1000) s")
        }
        let minSamples = plan.bake.minSamplesPerArm
        let arms = armsWithTraffic
        for (name, _, arm) in arms where arm.stepRequests < minSamples {
            waiting.append("\(name) has \(arm.stepRequests) of \(minSamples) requests this step")
        }
        for (_, label, arm) in arms {
            if let last = arm.lastWindowAtMs {
                if now - last > plan.staleAfterMs { waiting.append("no window from \(label) for \((now - last) / 1000) s") }
            } else {
                waiting.append("no window from \(label) yet")
            }
        }
        if !staleAgents.isEmpty { waiting.append("stale agents: \(staleAgents.joined(separator: ", "))") }
        if latestVerdicts.isEmpty { waiting.append("no verdict yet") }
        var evidenceWaiting: [String] = []
        for verdict in latestVerdicts {
            switch verdict {
            case .needMoreData(let what, let evidence) where evidence.awaitingEvidence == true: evidenceWaiting.append(what)
            case .needMoreData(let what, _): waiting.append(what)
            case .fail(let name, _): waiting.append("guard \(name) failing")
            case .pass: break
            }
        }
        waitingFor = waiting + evidenceWaiting

        let stepBake = BakeTime(bakedMs: baked, stoppedMs: stepStoppedMs ?? 0, downMs: stepDownMs ?? 0)
        var inconclusive = false
        if waiting.isEmpty, !evidenceWaiting.isEmpty {
            let policy = plan.evidencePolicy
            guard baked >= Swift.max(plan.bake.minDurationMs, inconclusiveAtMs ?? policy.maxBakeMs) else { return [] }
            let why = "\(Self.inconclusivePrefix) after \(stepBake.sentence) at \(PercentText.text(ppm: canaryWeightPPM)): " + evidenceWaiting.joined(separator: "; ")
            let evidence = latestVerdicts.map(\.evidence)
            switch policy.onInconclusive {
            case .pause: return [pause(at: now, reason: why + "; on_inconclusive: pause (resume to wait another max_duration, or promote/abort)", evidence: evidence, bake: stepBake)]
            case .rollback: return [finish(.rolledBack, action: .rollback, at: now, reason: why + "; on_inconclusive: rollback", evidence: evidence, bake: stepBake)]
            case .advance: inconclusive = true
            }
        }
        if waiting.isEmpty {
            let evidence = latestVerdicts.map(\.evidence)
            let current = PercentText.text(ppm: canaryWeightPPM)
            let shown = inconclusive
                ? "advanced without positive evidence (on_inconclusive: advance): " + evidenceWaiting.joined(separator: "; ")
                : requiresEvidence && plan.guards.contains(where: \.isRelative)
                    ? "all guards pass, each relative guard shown within tolerance at \(Format.number(plan.evidencePolicy.confidence * 100)) %"
                    : "all guards pass"
            let reason = "step \(current) baked \(stepBake.sentence) with \(stepRequestsText); \(shown)"
            let next = stepIndex + 1
            if next >= plan.stepsPPM.count {
                return [finish(.promoted, action: .promote, at: now, reason: reason, evidence: evidence, bake: stepBake)]
            }
            if plan.pauseBeforePPM.contains(plan.stepsPPM[next]) {
                atGate = true
                return [pause(at: now, reason: reason + "; manual gate before \(PercentText.text(ppm: plan.stepsPPM[next])): resume to continue", evidence: evidence, bake: stepBake)]
            }
            return [enter(step: next, at: now, action: .advance, reason: reason, evidence: evidence, bake: stepBake)]
        }
        if let deadline = plan.progressDeadlineMs, let start = deadlineStartMs, now - start > deadline {
            let reason = "progress deadline \(deadline / 1000) s exceeded at step \(PercentText.text(ppm: canaryWeightPPM)) after baking \(stepBake.sentence): waiting for " + waiting.joined(separator: "; ")
            switch plan.onBreach {
            case .rollback: return [finish(.rolledBack, action: .rollback, at: now, reason: reason, bake: stepBake)]
            case .pause: return [pause(at: now, reason: reason, bake: stepBake)]
            }
        }
        return []
    }

    private mutating func apply(_ command: OperatorCommand, at now: Int64) -> [Decision] {
        guard rejection(of: command) == nil else { return [] }
        switch command {
        case .pause:
            return [pause(at: now, reason: "operator paused")]
        case .resume:
            if phase == .pending {
                guard !plan.stepsPPM.isEmpty else { return [] }
                return [enter(step: 0, at: now, action: .resume, reason: "operator started the rollout")]
            }
            if atGate, plan.stepsPPM.indices.contains(stepIndex + 1) {
                atGate = false
                return [enter(step: stepIndex + 1, at: now, action: .resume, reason: "operator passed the manual gate")]
            }
            if manualWeight {
                manualWeight = false
                guard let step = plan.stepsPPM.firstIndex(where: { $0 >= canaryWeightPPM }) else {
                    return [finish(.promoted, action: .promote, at: now, reason: "operator resumed above the last step")]
                }
                return [enter(step: step, at: now, action: .resume, reason: "operator resumed from a manual weight")]
            }
            phase = .progressing
            if let pausedAt = pausedAtMs, let start = stepStartedAtMs {
                stepStartedAtMs = start + (now - pausedAt)
                // Resumed after an inconclusive pause: another max_duration to show it.
                if pauseReason?.hasPrefix(Self.inconclusivePrefix) == true {
                    inconclusiveAtMs = (pausedAt - start) + plan.evidencePolicy.maxBakeMs
                }
            }
            pausedAtMs = nil
            deadlineStartMs = now
            pauseReason = nil
            return [decision(.resume, at: now, reason: "operator resumed")]
        case .promote:
            return [finish(.promoted, action: .promote, at: now, reason: "operator promoted")]
        case .abort:
            return [finish(.aborted, action: .abort, at: now, reason: "operator aborted")]
        case .setWeight(let ppm):
            closeStratum(at: now)
            canaryWeightPPM = ppm
            manualWeight = true
            atGate = false
            if phase != .paused { pausedAtMs = now }
            phase = .paused
            pauseReason = "operator set the canary weight to \(PercentText.text(ppm: ppm))"
            return [decision(.setWeight, at: now, reason: pauseReason!)]
        }
    }

    // MARK: Transitions

    /// `bake` is the step just left's, taken before this resets it.
    private mutating func enter(step: Int, at now: Int64, action: DecisionAction, reason: String, evidence: [Evidence] = [],
                                bake: BakeTime? = nil) -> Decision {
        phase = .progressing
        stepIndex = step
        canaryWeightPPM = plan.stepsPPM[step]
        stepStartedAtMs = now
        deadlineStartMs = now
        pausedAtMs = nil
        pauseReason = nil
        stepStoppedMs = nil
        stepDownMs = nil
        baselineData.stepRequests = 0
        canaryData.stepRequests = 0
        controlData?.stepRequests = 0
        baselineData.stepLabeled = 0
        canaryData.stepLabeled = 0
        inconclusiveAtMs = nil
        closeStratum(at: now)
        canaryWeightPPM = heldBack(plan.stepsPPM[step])
        waitingFor = []
        return decision(action, at: now, reason: reason, evidence: evidence, bake: bake)
    }

    private mutating func pause(at now: Int64, reason: String, evidence: [Evidence] = [], bake: BakeTime? = nil) -> Decision {
        phase = .paused
        pausedAtMs = now
        pauseReason = reason
        return decision(.pause, at: now, reason: reason, evidence: evidence, bake: bake)
    }

    private mutating func finish(_ terminal: RolloutPhase, action: DecisionAction, at now: Int64, reason: String, evidence: [Evidence] = [],
                                 bake: BakeTime? = nil) -> Decision {
        closeStratum(at: now)
        phase = terminal
        canaryWeightPPM = terminal == .promoted ? RolloutPlan.fullWeightPPM : 0
        waitingFor = []
        return decision(action, at: now, reason: reason, evidence: evidence, bake: bake)
    }

    private func decision(_ action: DecisionAction, at now: Int64, reason: String, evidence: [Evidence] = [], bake: BakeTime? = nil) -> Decision {
        Decision(atMs: now, action: action, weightsPPM: weightsPPM, reason: reason, evidence: evidence, phase: phase, stepIndex: stepIndex,
                 bake: bake)
    }
}
