import CanaryAPI
import CanaryCore
import Foundation

/// Durable before acted on (DESIGN §6), for when the journal refuses.
///
/// A step mutates the engine's memory first (marks, machines, route book,
/// second buckets) and commits after; when the commit fails, that memory
/// is what the journal does *not* hold, so it is put back: the marks and
/// the machines are rebuilt from the journal, the route book and the
/// buckets are their copies as of the last commit. Then, until the journal
/// commits again, the engine decides nothing:
///
/// - new windows are neither counted nor acked (the agents keep them and
///   resend every 2 s); a resend of a window the journal holds is still
///   acked as a duplicate — its original is durable;
/// - no machine sees a tick or a window, so no step advances and no
///   rollback is acted on: a rollback that only this process knew of would
///   be undone by a crash (the journal's table is the one a restart
///   publishes), and the agents keep the split of the last committed table,
///   which is the fail-static promise. The cost: a canary that regresses
///   during the outage keeps its weight until the journal is back, when
///   the resent windows reach the judge (nothing is lost);
/// - the route tables republished are the committed ones;
/// - operator calls are refused with 503 `journal_unavailable` naming the cause.
///
/// Every ``JournalHealth/probeMs`` a small write tries the journal again;
/// once it goes through, everything resumes by itself.
extension CoordinatorEngine {
    /// The journal's state for `/healthz`, `/metrics` and the dashboard.
    public var journalStatus: JournalStatus { journalHealth.status }

    /// Failed commits by cause since start (`canary_journal_commit_failures_total`).
    public var journalFailuresByCause: [String: UInt64] { journalHealth.failuresByCause }

    /// A commit failed: forget the step, put memory back as the journal
    /// has it, stop deciding, and say so (once per outage).
    func journalFailed(_ error: JournalError, now: Moment) {
        counters.journalFailures += 1
        let wasCommitting = journalHealth.isCommitting
        let began = journalHealth.failed(error, now: now)
        pending = PendingStep()
        // Not yet counted anywhere: their agents resend them.
        staged.removeAll()
        routes = committedRoutes
        aggregates = committedAggregates
        references = committedReferences
        memoryIsJournal = rebuildFromJournal(now: now)
        if began {
            logger.error("\(error) (\(error.cause)); deciding stopped: no window is acked, no step taken and no new route table published until the journal commits again (tried every \(JournalHealth.probeMs) ms)")
            notifier.enqueue(journal: journalHealth.status, event: WebhookNotification.journalUnavailable, nowMs: now.wallMs)
        } else {
            warn("journal_failure", now: now, "\(error) (\(error.cause)); still not deciding")
        }
        if wasCommitting { events.publish(type: "journal", journalHealth.status) }
    }

    /// The machines and the de-duplication marks as the journal holds
    /// them (reads work on a full disk). False when even that failed: no
    /// window is then acked, not even as a duplicate, until a probe
    /// rebuilds them (``memoryIsJournal``).
    func rebuildFromJournal(now: Moment) -> Bool {
        do {
            let marks = try Recovery.marks(journal: journal)
            var (registry, _) = try Recovery.rollouts(journal: journal, config: config, logger: logger, now: now)
            // The last decision shown is the last committed one.
            for id in registry.activeIDs { registry.setLastDecision(readModel.view(id: id)?.lastDecision, id: id) }
            fleet.resetMarks(to: marks)
            registry.noteStaleAgents(in: fleet, now: now)
            self.registry = registry
            lastSnapshotMs.removeAll()
            return true
        } catch {
            logger.error("journal: could not rebuild the state after a failed commit, \(error); no window is acked until it can")
            return false
        }
    }

    /// While the journal fails: every `probeMs`, one small write. True when
    /// it went through (the engine decides again from this tick on).
    func probeJournal(now: Moment) -> Bool {
        guard journalHealth.probeDue(now: now) else { return journalHealth.isCommitting }
        if !memoryIsJournal {
            memoryIsJournal = rebuildFromJournal(now: now)
            guard memoryIsJournal else { return false }
        }
        do {
            try journal.setMeta("journal_probe", String(now.wallMs))
        } catch {
            counters.journalFailures += 1
            _ = journalHealth.failed(error, now: now)
            warn("journal_failure", now: now, "\(error) (\(error.cause)); still not deciding")
            return false
        }
        journalHealth.committed()
        logger.notice("journal commits again: deciding resumes; agents resend what was not acked")
        events.publish(type: "journal", journalHealth.status)
        return true
    }

    /// Reports an outage over once commits went through for `quietMs`.
    func noteJournalRecovery(now: Moment) {
        guard let since = journalHealth.outageEnded(now: now) else { return }
        logger.notice("journal outage over: it has committed for \(JournalHealth.quietMs) ms (it began at \(since) ms, \(journalHealth.failures) failed commits so far)")
        notifier.enqueue(journal: journalHealth.status, event: WebhookNotification.journalRecovered, nowMs: now.wallMs, outageSinceMs: since)
    }

    /// Refuses an operator call while the journal cannot commit.
    func requireJournal(_ what: String) throws(CoordinatorError) {
        guard let failure = journalHealth.failure else { return }
        throw Self.journalRefusal(what, failure)
    }

    static func journalRefusal(_ what: String, _ failure: JournalHealth.Failure) -> CoordinatorError {
        CoordinatorError(.journalUnavailable,
                         "cannot \(what): the journal cannot commit (\(failure.cause)) since \(failure.sinceMs) ms, so nothing was changed; free the journal's volume and retry once /healthz is 200 — \(failure.message)")
    }
}
