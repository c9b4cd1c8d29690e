/// The lifecycle of a rollout.
public enum RolloutPhase: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case pending
    case progressing
    case paused
    case promoted
    case rolledBack = "rolled_back"
    case aborted

    public var isTerminal: Bool { self == .promoted || self == .rolledBack || self == .aborted }
}

public enum DecisionAction: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case advance
    case pause
    case resume
    case rollback
    case promote
    case abort
    case setWeight = "set_weight"
}

/// A change the coordinator must apply (broadcast the weights) and journal.
public struct Decision: Sendable, Equatable, Codable {
    /// When, on the clock of the events; the coordinator stamps the
    /// decisions it shows and journals with its wall clock instead.
    public var atMs: Int64
    public var action: DecisionAction
    /// The split after the decision, ppm per version (sums to 1 000 000).
    public var weightsPPM: [String: UInt32]
    public var reason: String
    public var evidence: [Evidence]
    public var phase: RolloutPhase
    public var stepIndex: Int
    /// For a decision that ends a step (its bake done, or its deadline
    /// past): the time it baked on the run clock and what was left out.
    public var bake: BakeTime?

    public init(
        atMs: Int64, action: DecisionAction, weightsPPM: [String: UInt32], reason: String, evidence: [Evidence] = [],
        phase: RolloutPhase, stepIndex: Int, bake: BakeTime? = nil
    ) {
        self.atMs = atMs
        self.action = action
        self.weightsPPM = weightsPPM
        self.reason = reason
        self.evidence = evidence
        self.phase = phase
        self.stepIndex = stepIndex
        self.bake = bake
    }
}
