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
    /// The start of the outage being reported, until it is over.
    private(set) var outageSinceMs: Int64?
    private var lastFailureMs: Int64 = 0
    private(set) var lastProbeMs: Int64 = 0
    private(set) var failures: UInt64 = 0
    /// Failed commits by cause, for `canary_journal_commit_failures_total`.
    private(set) var failuresByCause: [String: UInt64] = [:]

    var isCommitting: Bool { failure == nil }

    /// A commit failed. True when this begins an outage (to report).
    mutating func failed(_ error: JournalError, nowMs: Int64) -> Bool {
        failures += 1
        failuresByCause[error.cause, default: 0] += 1
        lastFailureMs = nowMs
        lastProbeMs = nowMs
        if failure == nil { failure = Failure(cause: error.cause, message: error.description, sinceMs: nowMs) }
        guard outageSinceMs == nil else { return false }
        outageSinceMs = nowMs
        return true
    }

    /// A commit (or probe) went through: the engine may decide again.
    mutating func committed() {
        failure = nil
    }

    /// Whether it is time to try a failed journal again (and notes the try).
    mutating func probeDue(nowMs: Int64) -> Bool {
        guard failure != nil, nowMs - lastProbeMs >= Self.probeMs else { return false }
        lastProbeMs = nowMs
        return true
    }

    /// The outage's start when it is over now (to report once), else nil.
    mutating func outageEnded(nowMs: Int64) -> Int64? {
        guard failure == nil, let since = outageSinceMs, nowMs - lastFailureMs >= Self.quietMs else { return nil }
        outageSinceMs = nil
        return since
    }

    var status: JournalStatus {
        JournalStatus(healthy: failure == nil, cause: failure?.cause, message: failure?.message, sinceMs: failure?.sinceMs,
                      commitFailures: failures)
    }
}
