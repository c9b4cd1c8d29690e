import CanaryAgent
import Testing

/// The agent's unacked buffer: windows that waited for the hello are handed
/// out once, right after it; windows already sent never are.
@Suite struct UnackedWindowsTests {
    @Test func windowsThatWaitedForTheHelloAreTakenOnceInOrder() {
        var buffer = UnackedWindows<String>(capacity: 8)
        buffer.append(sequence: 1, payload: "w1", sentMs: nil)
        buffer.append(sequence: 2, payload: "w2", sentMs: nil)
        buffer.append(sequence: 3, payload: "w3", sentMs: 1_000)
        #expect(buffer.takeUnsent(nowMs: 1_010).map(\.payload) == ["w1", "w2"])
        #expect(buffer.takeUnsent(nowMs: 1_020).isEmpty, "handed out once")
        // All three were sent now; resends pace from each one's last send.
        #expect(buffer.takeForResend(nowMs: 3_005, olderThanMs: 2_000).map(\.payload) == ["w3"])
        #expect(buffer.takeForResend(nowMs: 3_010, olderThanMs: 2_000).map(\.payload) == ["w1", "w2"])
    }

    @Test func aResendCountsAsSent() {
        var buffer = UnackedWindows<String>(capacity: 2)
        buffer.append(sequence: 1, payload: "w1", sentMs: nil)
        #expect(buffer.takeForResend(nowMs: 5_000, olderThanMs: 0).map(\.payload) == ["w1"])
        #expect(buffer.takeUnsent(nowMs: 5_001).isEmpty)
        // Full: the oldest goes, counted.
        buffer.append(sequence: 2, payload: "w2", sentMs: nil)
        #expect(buffer.append(sequence: 3, payload: "w3", sentMs: nil) == 1)
        #expect(buffer.droppedTotal == 1)
        #expect(buffer.takeUnsent(nowMs: 5_002).map(\.sequence) == [2, 3])
    }
}
