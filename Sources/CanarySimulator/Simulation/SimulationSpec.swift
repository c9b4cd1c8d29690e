/// Everything one simulator process needs, resolved by `canary demo` from a
/// scenario and its command-line overrides (JSON on disk between the two).
public struct SimulationSpec: Codable, Sendable {
    /// One replica: its version and the shared-memory names its agent uses.
    public struct Replica: Codable, Sendable, Hashable {
        public var version: String
        public var role: String
        public var index: Int
        public var ringName: String
        public var routePageName: String
        public var ringCapacity: Int

        public init(version: String, role: String, index: Int, ringName: String, routePageName: String, ringCapacity: Int) {
            self.version = version
            self.role = role
            self.index = index
            self.ringName = ringName
            self.routePageName = routePageName
            self.ringCapacity = ringCapacity
        }
    }

    public var model: String
    public var baseline: String
    public var canary: String
    /// The plan's control label: where the route page sends the control
    /// arm's share (replicas of role control). Nil without a control.
    public var control: String?
    public var stepsPPM: [UInt32]
    public var replicas: [Replica]
    public var rps: Double
    public var keys: Int
    public var baselineProfile: ReplicaProfile
    public var canaryProfile: ReplicaProfile
    /// Trigger delays and label delays already divided by the speed.
    public var faults: [Fault]
    public var seed: UInt64
    /// Where the simulator writes its status (JSON, replaced atomically).
    public var statusPath: String

    public init(model: String, baseline: String, canary: String, control: String? = nil, stepsPPM: [UInt32], replicas: [Replica], rps: Double,
                keys: Int, baselineProfile: ReplicaProfile, canaryProfile: ReplicaProfile, faults: [Fault], seed: UInt64,
                statusPath: String) {
        self.model = model
        self.baseline = baseline
        self.canary = canary
        self.control = control
        self.stepsPPM = stepsPPM
        self.replicas = replicas
        self.rps = rps
        self.keys = keys
        self.baselineProfile = baselineProfile
        self.canaryProfile = canaryProfile
        self.faults = faults
        self.seed = seed
        self.statusPath = statusPath
    }
}
