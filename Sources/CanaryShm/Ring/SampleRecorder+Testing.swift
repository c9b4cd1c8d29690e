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

    /// Test hook: finishes a ticket `claimWithoutCommit()` left mid-record,
    /// as a writer preempted between claim and commit does when it runs again.
    @_spi(Testing)
    public func commitClaimed(_ ticket: UInt64, latencyNanoseconds: UInt64, key: UInt64) {
        canary_ring_commit_claimed(ring, ticket, latencyNanoseconds, key)
    }

    /// Test hook: writes the segment's late list (ticket + 1 per word, 0
    /// free) as a foreign process could, to check the reader's distrust.
    @_spi(Testing)
    public func overwriteLateList(_ words: [UInt64]) {
        let offset = MemoryLayout<canary_ring_header>.offset(of: \.late)!
        let late = UnsafeMutableRawPointer(ring.pointee.header).advanced(by: offset).assumingMemoryBound(to: UInt64.self)
        for i in 0..<Int(CANARY_LATE_MAX) { late[i] = i < words.count ? words[i] : 0 }
    }
}
