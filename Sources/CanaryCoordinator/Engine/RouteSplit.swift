import CanaryCore

/// The route table of one model as the coordinator keeps it: which share of
/// the traffic each version gets, in route order, under a sequence that only
/// grows. A domain value: the protobuf `Canary_V1_RouteTable` exists only at
/// the edges (the wire in ``WireIntake``, the journal's stored JSON).
public struct RouteSplit: Sendable, Equatable {
    public struct Weight: Sendable, Equatable {
        /// The version the entry's replicas run.
        public var version: String
        public var weightPPM: UInt32
        /// The pool routers send the share to when it is not the version's
        /// own replicas: a plan's control label (the control runs the
        /// baseline version). Nil: the version.
        public var pool: String?

        public init(version: String, weightPPM: UInt32, pool: String? = nil) {
            self.version = version
            self.weightPPM = weightPPM
            self.pool = pool
        }

        /// What routers route to (the shm route page's label).
        public var label: String { pool ?? version }
    }

    public var model: String
    /// The journal the sequence belongs to (docs/route-tables.md).
    public var epoch: UInt64
    /// The coordinator start that sends it: a restarted coordinator's
    /// tables outrank every earlier start's, whatever their sequence.
    public var incarnation: UInt64
    public var sequence: UInt64
    public var phase: RolloutPhase
    public var rolloutID: String
    /// Canary first, so it owns [0, w) and grows sticky; a control second.
    public var weights: [Weight]
    public var publishedMs: Int64

    public init(model: String, epoch: UInt64, incarnation: UInt64, sequence: UInt64, phase: RolloutPhase,
                rolloutID: String, weights: [Weight], publishedMs: Int64) {
        self.model = model
        self.epoch = epoch
        self.incarnation = incarnation
        self.sequence = sequence
        self.phase = phase
        self.rolloutID = rolloutID
        self.weights = weights
        self.publishedMs = publishedMs
    }
}
