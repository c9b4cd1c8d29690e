internal import CCanaryShmTesting

extension SampleRecorder {
    /// Test hook (`@_spi(Testing) import CanaryShm`): claims a ticket and
    /// marks it being written, but never commits — exactly what a writer
    /// killed between claim and commit leaves. Not part of the public API,
    /// and its C side lives in `canary_shm_testing.h`, not the ABI header.
    /// - Returns: the claimed ticket.
    @_spi(Testing)
    @discardableResult
    public func claimWithoutCommit() -> UInt64 {
        canary_ring_claim_only(ring)
    }
}
