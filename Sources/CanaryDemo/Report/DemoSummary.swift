/// The end of a demo run, machine-readable (`--summary-json`): what the
/// tests assert and what `--measure` aggregates.
public struct DemoSummary: Codable, Sendable {
    public struct AgentCounts: Codable, Sendable {
        public var agentID: String
        public var version: String
        public var windowsCounted: UInt64
        public var windowsDuplicate: UInt64
        public var windowsRejected: UInt64
        public var windowsDropped: UInt64
        public var ringLost: UInt64
    }

    public var scenario: String
    public var speed: Double
    public var expectedOutcome: String
    public var expectedGuard: String?
    /// promoted | rolled_back | aborted | paused | timeout | interrupted | failed
    public var outcome: String
    public var passed: Bool
    public var rolloutID: String?
    public var dashboardURL: String?
    public var rolloutStartedMs: Int64?
    public var decisionMs: Int64?
    public var decisionReason: String?
    public var trippedGuards: [String] = []
    /// Earliest fault onset (wall ms) and each fault's.
    public var faultOnsetMs: Int64?
    public var faults: [String: Int64] = [:]
    /// Latest time a route page dropped the canary to 0 %, and each page's final weight.
    public var lastRouteZeroMs: Int64?
    public var routePagesCanaryPPM: [String: UInt32] = [:]
    public var samplesWritten: [String: UInt64] = [:]
    public var samplesCounted: [String: UInt64] = [:]
    /// The coordinator had stopped (e.g. Ctrl-C reached it too) before the
    /// demo could ask it for its counts: `samplesCounted` says nothing.
    public var countsUnavailable: Bool = false
    public var ringLost: UInt64 = 0
    public var agents: [AgentCounts] = []
    public var actions: [String] = []
    /// Every process the demo started, and those still alive at the end (must be empty).
    public var pids: [Int32] = []
    public var leftRunning: [Int32] = []
    public var runDirectory: String = ""
    public var error: String?

    public var samplesWrittenTotal: UInt64 { samplesWritten.values.reduce(0, +) }
    public var samplesCountedTotal: UInt64 { samplesCounted.values.reduce(0, +) }
}
