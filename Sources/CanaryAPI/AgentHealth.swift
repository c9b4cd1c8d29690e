/// What an agent reports about itself: its own `/healthz` document (and
/// what its logs, heartbeats and `/metrics` are made from). The
/// coordinator's view of the same agent — what it received, counted and
/// last heard, plus what the heartbeats said — is ``AgentStatus``
/// (`GET /api/v1/agents`): two documents from two processes, both here so
/// every client decodes them from one place.
public struct AgentHealth: Sendable, Equatable, Codable {
    public var agentID: String
    public var agentEpoch: UInt64
    public var windowsSent: UInt64 = 0
    public var windowsAcked: UInt64 = 0
    public var windowsRejected: UInt64 = 0
    public var windowsDropped: UInt64 = 0
    /// Sends of a window already sent once and not acked in time (the
    /// coordinator counts each one that arrives twice as a duplicate).
    public var windowsResent: UInt64 = 0
    public var unacked: Int = 0
    /// Unacked windows a predecessor left in the spool and this agent took
    /// over to resend under their original key.
    public var windowsRecovered: UInt64 = 0
    /// Spool files refused (corrupt, or another agent's) and renamed aside.
    public var spoolQuarantined: UInt64 = 0
    /// Windows that could not be written to the spool (kept in memory only).
    public var spoolWriteFailures: UInt64 = 0
    /// Why the spool cannot keep windows durably right now (nil: it can).
    public var spoolFault: String?
    public var samplesRead: UInt64 = 0
    /// Cumulative ring loss: overrun (lapped), torn, abandoned (dead writer).
    public var ringLost: UInt64 = 0
    public var ringOverrun: UInt64 = 0
    /// Records whose kind/status bytes are not in the layout.
    public var malformedRecords: UInt64 = 0
    /// Samples whose prediction class was left out: their window already
    /// counted the most classes a window may carry (the sample still counts).
    public var predictionsDropped: UInt64 = 0
    /// The label join (agent config `labels`): predictions held for late
    /// labels now, labels judged against one, outcomes left unmatched
    /// (counted in the windows too), predictions forgotten at `max_pending`
    /// and at the horizon.
    public var labelsPending: Int = 0
    public var labelsMatched: UInt64 = 0
    public var outcomesUnmatched: UInt64 = 0
    public var labelsEvicted: UInt64 = 0
    public var labelsExpired: UInt64 = 0
    public var routeSequence: UInt64 = 0
    public var routeTablesApplied: UInt64 = 0
    /// True while the coordinator has been silent past the timeout: the
    /// route page keeps the last split (fail-static).
    public var coordinatorSilent: Bool = false
    public var lastHeardMs: Int64 = 0
    /// Ring faults found (tail past head, head backwards or jumping, header
    /// changed: words no writer or reader produces), the last one and when.
    public var ringFaults: UInt64 = 0
    public var ringFault: String?
    public var ringFaultAtMs: Int64?
    /// True while the ring header is not the one attached to: nothing is
    /// read until it is back.
    public var ringHeaderBroken: Bool = false
    /// Route-page rewrites after the page changed behind the agent's back,
    /// and the last reason.
    public var routePageRestores: UInt64 = 0
    public var routePageFault: String?
    /// False while the ring is corrupt (and for a hold period after the last
    /// fault, so a fault recovered from at once is still seen), or the route
    /// page is corrupt with no table to restore it with.
    public var healthy: Bool = true
    public var unhealthyReason: String?

    public init(agentID: String, agentEpoch: UInt64) {
        self.agentID = agentID
        self.agentEpoch = agentEpoch
    }
}
