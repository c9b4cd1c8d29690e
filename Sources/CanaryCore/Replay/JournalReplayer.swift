/// Backtests a plan on a real past rollout: feeds what the coordinator's
/// machine handled — every window as counted, every tick, command and
/// stale-agent change, at its run-clock time and in its order — to a
/// machine of the new plan, and sets what it decides next to what was
/// decided.
///
/// Routing is as it happened: the windows carry the traffic of the split
/// the coordinator really applied, not of the split the new plan would
/// have chosen (a replay cannot re-route requests already served). With
/// the rollout's own plan the machine gets exactly the events the
/// coordinator's did, so it decides exactly the same at the same times.
public struct JournalReplayer: Sendable {
    public let plan: RolloutPlan

    public init(plan: RolloutPlan) {
        self.plan = plan
    }

    /// One row of the comparison: the n-th decision of each side.
    public struct Pair: Sendable, Equatable {
        public var replayed: Decision?
        public var journaled: Decision?

        /// Same action, step and weights at the same time.
        public var agrees: Bool {
            guard let replayed, let journaled else { return false }
            return replayed.atMs == journaled.atMs && replayed.action == journaled.action
                && replayed.stepIndex == journaled.stepIndex && replayed.weightsPPM == journaled.weightsPPM
        }
    }

    public struct Result: Sendable, Equatable {
        public var decisions: [Decision]
        public var pairs: [Pair]
        public var outcome: TraceReplayer.Outcome
        /// Run-clock time of the rollout's start (decision times are shown relative to it).
        public var startMs: Int64
        public var windows: Int
        public var ticks: Int
        public var commands: Int
        public var machine: RolloutMachine
    }

    /// `events` as the coordinator's machine handled them; `journaled`: its
    /// decisions, each stamped with its run-clock time.
    public func run(events: [RolloutEvent], journaled: [Decision]) -> Result {
        var machine = RolloutMachine(plan: plan)
        var decisions: [Decision] = []
        var startMs: Int64?
        var windows = 0, ticks = 0, commands = 0
        for event in events {
            switch event {
            case .start(let t): startMs = startMs ?? t
            case .window: windows += 1
            case .tick: ticks += 1
            case .command: commands += 1
            case .staleAgents, .timeLeftOut, .reference: break
            }
            decisions += machine.handle(event)
        }
        let pairs = (0..<max(decisions.count, journaled.count)).map { i in
            Pair(replayed: decisions.indices.contains(i) ? decisions[i] : nil,
                 journaled: journaled.indices.contains(i) ? journaled[i] : nil)
        }
        return Result(decisions: decisions, pairs: pairs, outcome: TraceReplayer.Outcome(machine.phase), startMs: startMs ?? 0,
                      windows: windows, ticks: ticks, commands: commands, machine: machine)
    }
}

extension TraceReplayer.Outcome {
    init(_ phase: RolloutPhase) {
        self = switch phase {
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        case .paused: .paused
        case .aborted: .aborted
        case .pending, .progressing: .inProgress
        }
    }
}

extension JournalReplayer {
    /// Why this plan cannot replay a rollout of `model` from `baseline` to
    /// `canary` (naming both sides), or nil when it can.
    public func mismatch(rolloutID: String, model: String, baseline: String, canary: String) -> String? {
        guard plan.model != model || plan.baseline != baseline || plan.canary != canary else { return nil }
        return "the plan is for model \(plan.model), baseline \(plan.baseline) → canary \(plan.canary), but rollout \(rolloutID) is model \(model), baseline \(baseline) → canary \(canary); the windows of other versions would be ignored — use a plan with the rollout's model and versions"
    }
}
