/// The sticky request-to-bucket hash shared by the route page (C, Python,
/// Swift) and `canary replay`. Keep all implementations bit-identical:
///
///     z = key
///     z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9   (wrapping)
///     z = (z ^ (z >> 27)) * 0x94D049BB133111EB   (wrapping)
///     z =  z ^ (z >> 31)
///     bucket = z % 1_000_000
///
/// i.e. the splitmix64 finaliser (without the state increment) reduced modulo
/// one million. The canary occupies buckets `[0, canary_ppm)`, so growing the
/// canary only moves keys from baseline to canary, never back (sticky).
/// Test vectors are in RouteHashTests (bucket(0) = 0).
public enum RouteHash {
    public static let bucketCount: UInt32 = 1_000_000

    /// The splitmix64 finaliser ("mix64"): a bijection with full avalanche.
    @inlinable
    public static func mix(_ key: UInt64) -> UInt64 {
        var z = key
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The bucket of `key` in `[0, 1_000_000)`.
    @inlinable
    public static func bucket(_ key: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: mix(key) % UInt64(bucketCount))
    }

    /// Whether `key` goes to the canary when the canary holds `canaryPPM`.
    @inlinable
    public static func isCanary(_ key: UInt64, canaryPPM: UInt32) -> Bool {
        bucket(key) < canaryPPM
    }
}
