import CanaryAPI

/// Whether the journal commits, and the outages to report.
///
/// Two clocks on purpose. *Committing* is exact: false from the first
/// failed commit until a probe (or any later commit) succeeds — it is what
/// the engine decides by. An *outage* is what people are told about (the
/// webhooks, the log): it begins at a failure and ends only once commits
/// have gone through for ``quietMs`` without another failure, so a disk
/// that is nearly full — a small probe fits, the next batch does not —
/// raises one alarm, not one a second.
struct JournalHealth: Sendable {
    /// How often a journal that failed is tried again.
    static let probeMs: Int64 = 1_000
    /// How long commits must succeed before an outage is reported over.
    static let quietMs: Int64 = 5_000

    struct Failure: Sendable {
        let cause: String
        let message: String
        let sinceMs: Int64
    }

    /// Set while commits fail: the engine stops deciding.
    private(set) var failure: Failure?
    /// The start of the outage being reported (wall clock), until it is over.
    private(set) var outageSinceMs: Int64?
    /// On the run clock, so a wall-clock jump neither stalls nor hurries a probe.
    private var lastFailureRunMs: Int64 = 0
    private(set) var lastProbeRunMs: Int64 = 0
    private(set) var failures: UInt64 = 0
    /// Failed commits by cause, for `canary_journal_commit_failures_total`.
    private(set) var failuresByCause: [String: UInt64] = [:]

    var isCommitting: Bool { failure == nil }

    /// A commit failed. True when this begins an outage (to report).
    mutating func failed(_ error: JournalError, now: Moment) -> Bool {
        failures += 1
        failuresByCause[error.cause, default: 0] += 1
        lastFailureRunMs = now.runMs
        lastProbeRunMs = now.runMs
        if failure == nil { failure = Failure(cause: error.cause, message: error.description, sinceMs: now.wallMs) }
        guard outageSinceMs == nil else { return false }
        outageSinceMs = now.wallMs
        return true
    }

    /// A commit (or probe) went through: the engine may decide again.
    mutating func committed() {
        failure = nil
    }

    /// Whether it is time to try a failed journal again (and notes the try).
    mutating func probeDue(now: Moment) -> Bool {
        guard failure != nil, now.runMs - lastProbeRunMs >= Self.probeMs else { return false }
        lastProbeRunMs = now.runMs
        return true
    }

    /// The outage's start when it is over now (to report once), else nil.
    mutating func outageEnded(now: Moment) -> Int64? {
        guard failure == nil, let since = outageSinceMs, now.runMs - lastFailureRunMs >= Self.quietMs else { return nil }
        outageSinceMs = nil
        return since
    }

    var status: JournalStatus {
        JournalStatus(healthy: failure == nil, cause: failure?.cause, message: failure?.message, sinceMs: failure?.sinceMs,
                      commitFailures: failures)
    }
}
