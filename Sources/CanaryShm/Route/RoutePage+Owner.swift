import CCanaryShm

/// What the page's owner found when it compared the page with what it wrote.
public enum RoutePageAudit: Sendable, Equatable {
    /// The page holds exactly the table this process wrote last.
    case intact
    /// This process has written nothing yet (the page's table, if valid, is
    /// a predecessor's and is left alone).
    case nothingWritten
    /// Nothing written yet and the page is refused: nothing to restore it with.
    case corruptNothingToRestore(String)
    /// The page holds a valid table of the same epoch with a higher
    /// sequence: another writer of a shared page got it first; left alone.
    case newerTable
    /// The page had changed behind the writer's back (why); the last table
    /// written is on it again.
    case restored(String)
}

extension RoutePage {
    /// The single writer's guard (the agent owns the page): if the page no
    /// longer holds the table this process last wrote — a header word, the
    /// seqlock left odd, any table word, weights that no longer sum —
    /// writes that table again (header first if needed). A valid table of
    /// the same epoch and a higher sequence is left: agents sharing a page
    /// apply the coordinator's tables a few ms apart. Run it periodically;
    /// it serialises with `write`.
    public func restoreIfChanged() -> RoutePageAudit {
        written.withLock { last in
            let header = canary_route_check_header(page)
            let modelIntact = storedModel == model
            var t = canary_route_table()
            var seq: UInt64 = 0
            var reason: String?
            if header.status != CANARY_OK {
                reason = "header refused: \(ShmProblem(header))"
            } else if !modelIntact {
                reason = "model label changed to '\(storedModel)', the page is '\(model)'"
            } else {
                // We hold the writer lock: an odd seq now is nobody's write in progress.
                let problem = canary_route_read_checked(page, &t, &seq, 1)
                if problem.status == CANARY_E_BUSY {
                    reason = "seqlock word left odd (\(problem.value))"
                } else if problem.status == CANARY_E_NO_TABLE {
                    if last != nil { reason = "table erased (seqlock word 0)" }
                } else if problem.status != CANARY_OK {
                    reason = "table refused: \(ShmProblem(problem))"
                } else if var mine = last, !Self.sameTable(&mine, &t) {
                    if t.epoch == mine.epoch && t.sequence > mine.sequence { return .newerTable }
                    reason = "table changed to \(RouteTable(decoding: t).summary) behind the writer's back"
                }
            }
            guard let reason else { return last == nil ? .nothingWritten : .intact }
            guard var mine = last else { return .corruptNothingToRestore(reason) }
            if header.status != CANARY_OK || !modelIntact { Self.initialize(page, model: model) }
            _ = canary_route_write(page, &mine)
            return .restored(reason)
        }
    }

    static func sameTable(_ a: inout canary_route_table, _ b: inout canary_route_table) -> Bool {
        withUnsafeBytes(of: &a) { x in withUnsafeBytes(of: &b) { y in x.elementsEqual(y) } }
    }
}

extension RouteTable {
    /// "#12 v2 25%, v1 75%" for logs.
    public var summary: String {
        "#\(sequence) " + entries.map { "\($0.version) \(Double($0.weightPPM) / 10_000)%" }.joined(separator: ", ")
    }
}
