import Foundation

/// What the coordinator's two clocks read at one moment: the wall clock
/// (`CLOCK_REALTIME`, may jump: NTP steps, `date -s`) and a monotonic one
/// (`CLOCK_BOOTTIME`: never jumps, shared by every process of one boot).
/// The service reads them; the engine never reads a clock itself.
public struct ClockReading: Sendable, Equatable {
    public var wallMs: Int64
    public var monotonicMs: Int64

    public init(wallMs: Int64, monotonicMs: Int64) {
        self.wallMs = wallMs
        self.monotonicMs = monotonicMs
    }

    /// Both clocks at `ms`: for tests and tools that drive one timeline.
    public init(ms: Int64) {
        self.init(wallMs: ms, monotonicMs: ms)
    }

    /// The system's clocks now.
    public static let now: @Sendable () -> ClockReading = {
        var boot = timespec()
        clock_gettime(CLOCK_BOOTTIME, &boot)
        return ClockReading(wallMs: Int64((Date().timeIntervalSince1970 * 1000).rounded()),
                            monotonicMs: Int64(boot.tv_sec) * 1_000 + Int64(boot.tv_nsec) / 1_000_000)
    }
}

/// A moment as the engine uses it: the wall clock for what people read
/// (timestamps, event times, the agents' window times it is compared
/// with), the run clock for every duration it decides on.
public struct Moment: Sendable, Equatable {
    public var wallMs: Int64
    public var runMs: Int64

    public init(wallMs: Int64, runMs: Int64) {
        self.wallMs = wallMs
        self.runMs = runMs
    }
}

/// The coordinator's run clock: milliseconds that advance only while the
/// coordinator runs, so bake times, deadlines, the analysis window and
/// stale-agent timeouts never count time it was not there to observe, and
/// never move when the wall clock jumps.
///
/// It follows the monotonic clock, reading by reading. A monotonic clock
/// alone is not enough: `CLOCK_BOOTTIME` (and `CLOCK_MONOTONIC`) go on
/// while the process is stopped (SIGSTOP) or its VM suspended. So a step
/// between two readings counts whole only up to ``maxStepMs``: the ticker
/// reads every 20 ms, and a reading that comes later than that did not
/// run meanwhile — the rest is left out and added to ``stoppedMs``. (A
/// coordinator merely starved of CPU for over a second loses that time
/// too: a bake then lasts longer, never shorter.) A reading older than the
/// last (readers race to the engine) does not move it.
///
/// Journaled with every commit and resumed at restart, so a step keeps
/// what it baked before a crash; the time between the last commit and the
/// restart is left out and added to ``downMs`` (measured on the
/// monotonic clock within one boot, on the wall clock across a reboot —
/// it is only reported, never counted).
struct RunClock: Sendable, Equatable, Codable {
    /// The longest step between two readings that counts whole.
    static let maxStepMs: Int64 = 1_000
    /// Its row in the journal's key/value table.
    static let journalKey = "run_clock"

    private(set) var runMs: Int64
    /// Left out while the process lived but did not run, in total.
    private(set) var stoppedMs: Int64 = 0
    /// Left out between a coordinator's last commit and its successor's start, in total.
    private(set) var downMs: Int64 = 0
    /// The last reading taken, and the boot it was taken in.
    private(set) var wallMs: Int64
    private(set) var monotonicMs: Int64
    private(set) var bootID: String

    /// A new journal's clock starts at the wall clock's reading, so run
    /// times look like timestamps at first and a journal written before
    /// the run clock existed (its times on the wall clock) resumes as it was.
    init(starting reading: ClockReading, bootID: String) {
        runMs = reading.wallMs
        wallMs = reading.wallMs
        monotonicMs = reading.monotonicMs
        self.bootID = bootID
    }

    /// This clock resumed by a new process at `reading`: the time since its
    /// last reading is left out. Returns that down time.
    mutating func resume(at reading: ClockReading, bootID: String) -> Int64 {
        let down = bootID == self.bootID && reading.monotonicMs >= monotonicMs
            ? reading.monotonicMs - monotonicMs
            : Swift.max(0, reading.wallMs - wallMs)
        downMs &+= down
        wallMs = reading.wallMs
        monotonicMs = reading.monotonicMs
        self.bootID = bootID
        return down
    }

    /// Advances to `reading`. Returns the moment, and the time left out
    /// since the previous reading (0 but after a stop).
    mutating func advance(to reading: ClockReading) -> (now: Moment, stoppedMs: Int64) {
        let step = reading.monotonicMs - monotonicMs
        var left: Int64 = 0
        if step > 0 {
            let counted = Swift.min(step, Self.maxStepMs)
            runMs &+= counted
            left = step - counted
            stoppedMs &+= left
            monotonicMs = reading.monotonicMs
        }
        wallMs = reading.wallMs
        return (Moment(wallMs: reading.wallMs, runMs: runMs), left)
    }

    /// This boot's id (`/proc/sys/kernel/random/boot_id`), or "" where there is none.
    static func currentBootID() -> String {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
