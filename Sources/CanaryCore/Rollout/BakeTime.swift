/// How long the current step has baked, and the time the coordinator left
/// out of it: what an advance is decided on and what its record says.
///
/// Every duration a rollout decides on is measured on the clock of its
/// events, which in the coordinator is the run clock: it advances only
/// while the coordinator runs, so a stop (SIGSTOP, a suspended VM) or a
/// crash never counts as observed time. `stoppedMs` and `downMs` say how
/// much of this step's wall-clock span was left out that way.
public struct BakeTime: Sendable, Equatable, Hashable, Codable {
    /// Observed time in the step, paused time excluded.
    public var bakedMs: Int64
    /// Left out while the process lived but did not run: stopped, suspended,
    /// or starved for longer than the run clock counts at once.
    public var stoppedMs: Int64
    /// Left out while no coordinator ran: from its last journaled moment
    /// before a crash or stop to the restart.
    public var downMs: Int64

    public init(bakedMs: Int64, stoppedMs: Int64 = 0, downMs: Int64 = 0) {
        self.bakedMs = bakedMs
        self.stoppedMs = stoppedMs
        self.downMs = downMs
    }

    /// "4.0 s", with what was left out when anything was: "4.0 s (6.2 s stopped, 3.1 s down, not counted)".
    public var sentence: String {
        var left: [String] = []
        if stoppedMs > 0 { left.append("\(DurationText.seconds(milliseconds: stoppedMs)) stopped") }
        if downMs > 0 { left.append("\(DurationText.seconds(milliseconds: downMs)) down") }
        return DurationText.seconds(milliseconds: bakedMs) + (left.isEmpty ? "" : " (\(left.joined(separator: ", ")), not counted)")
    }
}
