/// What an operator may ask of a rollout.
public enum OperatorCommand: Sendable, Equatable, Hashable, Codable {
    case pause
    case resume
    case promote
    case abort
    /// Sets the canary's weight by hand (0…1 000 000 ppm) and pauses
    /// automatic progression; `resume` continues from the first step at or
    /// above that weight.
    case setWeight(ppm: UInt32)
}

/// Everything that drives a rollout. Times are milliseconds on whatever
/// clock the caller uses — every duration (bake, deadline, staleness, the
/// analysis window) is measured on it, so it must never jump: the
/// coordinator's run clock (RunClock.swift), simulated time in replay. The
/// machine never reads a clock itself.
public enum RolloutEvent: Sendable, Equatable, Codable {
    /// Starts a pending rollout at its first step.
    case start(at: Int64)
    /// A window for the baseline or canary (one agent's, or already merged per
    /// version). Windows of other models or versions are ignored. Merged at
    /// once, judged at the next tick.
    case window(Window, receivedAt: Int64)
    /// Time passes: new data is judged; bake, deadlines and staleness are checked.
    case tick(Int64)
    case command(OperatorCommand, at: Int64)
    /// The agents the coordinator currently considers stale (replacing the
    /// previous set; empty = all live). While any is stale the rollout does
    /// not advance: their missing windows could hide a regression.
    case staleAgents([String], at: Int64)
    /// The baseline over the period before the start, for the plan's
    /// `baseline_interference` guards: taken once, while still pending
    /// (the coordinator sends it just before `.start`), later ones ignored.
    case reference(BaselineReference, at: Int64)
    /// Time the caller's clock left out — the coordinator was stopped or
    /// down that long — so a step's record can say how much of its span
    /// was not counted. Changes no duration: they never included it.
    case timeLeftOut(stoppedMs: Int64, downMs: Int64, at: Int64)
}
