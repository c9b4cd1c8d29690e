/// The request rate a replica is serving, over the last second: the
/// current second's count plus the part of the previous second's that the
/// sliding second still covers. A load-dependent latency
/// (``ReplicaProfile/coldSlowdown``) follows it; a simulator that stalled
/// (a loaded host) sees its replicas warm up again as the requests it
/// catches up on arrive, not a whole second of idle-cold ones.
struct LoadMeter: Sendable {
    private var second: UInt64?
    private var current: Double = 0
    private var previous: Double = 0

    /// Counts one request at `nowNs`; returns the rate it is served at.
    mutating func served(atNs nowNs: UInt64) -> Double {
        let now = nowNs / 1_000_000_000
        if let second, now != second {
            previous = now == second + 1 ? current : 0
            current = 0
        }
        second = now
        current += 1
        let elapsed = Double(nowNs % 1_000_000_000) / 1e9
        return current + previous * (1 - elapsed)
    }
}
