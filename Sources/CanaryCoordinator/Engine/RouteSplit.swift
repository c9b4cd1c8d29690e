import CanaryCore

/// The route table of one model as the coordinator keeps it: which share of
/// the traffic each version gets, in route order, under a sequence that only
/// grows. A domain value: the protobuf `Canary_V1_RouteTable` exists only at
/// the edges (the wire in ``WireIntake``, the journal's stored JSON).
public struct RouteSplit: Sendable, Equatable {
    public struct Weight: Sendable, Equatable {
        public var version: String
        public var weightPPM: UInt32

        public init(version: String, weightPPM: UInt32) {
            self.version = version
            self.weightPPM = weightPPM
        }
    }

    public var model: String
    /// The coordinator epoch the sequence belongs to.
    public var epoch: UInt64
    public var sequence: UInt64
    public var phase: RolloutPhase
    public var rolloutID: String
    /// Canary first, so it owns [0, w) and grows sticky.
    public var weights: [Weight]
    public var publishedMs: Int64

    public init(model: String, epoch: UInt64, sequence: UInt64, phase: RolloutPhase, rolloutID: String,
                weights: [Weight], publishedMs: Int64) {
        self.model = model
        self.epoch = epoch
        self.sequence = sequence
        self.phase = phase
        self.rolloutID = rolloutID
        self.weights = weights
        self.publishedMs = publishedMs
    }
}
