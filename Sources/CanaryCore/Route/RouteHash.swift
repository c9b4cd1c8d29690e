/// The sticky request-to-bucket hash of the route page, in pure Swift so
/// `canary replay` and the judge's tooling route exactly as production does.
/// Bit-identical to `canary_route_point` in `Sources/CCanaryShm/include/canary_shm.h`
/// and to `proto/shm-layout.md` §5 (a test in CanaryShmTests checks it):
///
///     z = key + 0x9E3779B97F4A7C15                      (splitmix64, wrapping)
///     z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
///     z = (z ^ (z >> 27)) * 0x94D049BB133111EB
///     z =  z ^ (z >> 31)
///     bucket = ((z >> 32) * 1_000_000) >> 32            (multiply-shift: no division)
///
/// The canary occupies buckets `[0, canary_ppm)` (it is the first entry of
/// every route table), so growing the canary only moves keys from baseline
/// to canary, never back (sticky).
public enum RouteHash {
    public static let bucketCount: UInt32 = 1_000_000

    /// splitmix64: a bijection with full avalanche, so nearby keys land far apart.
    @inlinable
    public static func mix(_ key: UInt64) -> UInt64 {
        var z = key &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The bucket of `key` in `[0, 1_000_000)`.
    @inlinable
    public static func bucket(_ key: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: ((mix(key) >> 32) &* UInt64(bucketCount)) >> 32)
    }

    /// Whether `key` goes to the canary when the canary holds `canaryPPM`.
    @inlinable
    public static func isCanary(_ key: UInt64, canaryPPM: UInt32) -> Bool {
        bucket(key) < canaryPPM
    }
}
