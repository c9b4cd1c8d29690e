#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`, what `ulimit -n` sets).
public enum FileDescriptorLimit {
    /// Raises the soft limit to the hard one (at most `ceiling`: a very high
    /// soft limit only makes code that sizes tables by it slower) and returns
    /// the soft limit now in force. What a server does at start so that a
    /// distribution's default soft limit of 1 024 is not its ceiling; with
    /// `ulimit -n 1024` (which sets both) it stays 1 024.
    @discardableResult
    public static func raiseSoftLimit(ceiling: UInt64 = 65_536) -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        let wanted = min(UInt64(limit.rlim_max), ceiling)
        if UInt64(limit.rlim_cur) < wanted {
            var raised = limit
            raised.rlim_cur = rlim_t(wanted)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return wanted }
        }
        return UInt64(limit.rlim_cur)
    }

    /// The soft limit in force.
    public static var current: UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1_024 }
        return UInt64(limit.rlim_cur)
    }
}
