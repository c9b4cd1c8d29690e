/// Rate limit for the lines the wire intake logs: each reason is logged at
/// most `burst` times per interval, with the number of like messages suppressed
/// since, so a flood of hostile frames costs counters, not a flood of log
/// lines (the counters themselves count every one).
struct RejectionLog: Sendable {
    let intervalMs: Int64
    let burst: Int
    private var intervalStartMs: [String: Int64] = [:]
    private var loggedInInterval: [String: Int] = [:]
    private var suppressed: [String: UInt64] = [:]
    /// Reasons are stable names from our own code, so this stays small;
    /// the cap guards against a future caller passing peer data.
    private let maxReasons = 256

    init(intervalMs: Int64 = 1_000, burst: Int = 5) {
        self.intervalMs = intervalMs
        self.burst = max(1, burst)
    }

    /// Whether to log this one now, and how many were suppressed before it.
    mutating func admit(_ reason: String, nowMs: Int64) -> (log: Bool, suppressed: UInt64) {
        guard intervalStartMs[reason] != nil || intervalStartMs.count < maxReasons else { return (false, 0) }
        if let start = intervalStartMs[reason], nowMs - start < intervalMs {
            guard loggedInInterval[reason, default: 0] < burst else {
                suppressed[reason, default: 0] += 1
                return (false, 0)
            }
        } else {
            intervalStartMs[reason] = nowMs
            loggedInInterval[reason] = 0
        }
        loggedInInterval[reason, default: 0] += 1
        return (true, suppressed.removeValue(forKey: reason) ?? 0)
    }
}
