import CCanaryShm
import CanaryCore
import Testing

/// `canary replay` (CanaryCore.RouteHash, pure Swift) must route every key
/// exactly as the route page (the C header) does in production.
@Suite("Route hash agreement")
struct RouteHashAgreementTests {
    @Test("RouteHash.bucket equals canary_route_point for edge and random keys")
    func agree() {
        var keys: [UInt64] = [0, 1, 2, 42, .max, .max - 1, 1 << 63, 0x9E37_79B9_7F4A_7C15]
        var state: UInt64 = 7
        for _ in 0..<100_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            keys.append(state)
        }
        for key in keys {
            #expect(RouteHash.bucket(key) == canary_route_point(key), "key \(key)")
        }
    }
}
