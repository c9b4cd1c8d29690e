import CanaryAgent
import Testing

/// The agent's unacked buffer: windows that waited for the hello are handed
/// out once, right after it; windows already sent never are.
@Suite struct UnackedWindowsTests {
    @Test func windowsThatWaitedForTheHelloAreTakenOnceInOrder() {
        var buffer = UnackedWindows<String>(capacity: 8)
        buffer.append(key(1), payload: "w1", sentMs: nil)
        buffer.append(key(2), payload: "w2", sentMs: nil)
        buffer.append(key(3), payload: "w3", sentMs: 1_000)
        #expect(buffer.takeUnsent(nowMs: 1_010).map(\.payload) == ["w1", "w2"])
        #expect(buffer.takeUnsent(nowMs: 1_020).isEmpty, "handed out once")
        // All three were sent now; resends pace from each one's last send.
        #expect(buffer.takeForResend(nowMs: 3_005, olderThanMs: 2_000).map(\.payload) == ["w3"])
        #expect(buffer.takeForResend(nowMs: 3_010, olderThanMs: 2_000).map(\.payload) == ["w1", "w2"])
    }

    @Test func aResendCountsAsSent() {
        var buffer = UnackedWindows<String>(capacity: 2)
        buffer.append(key(1), payload: "w1", sentMs: nil)
        #expect(buffer.takeForResend(nowMs: 5_000, olderThanMs: 0).map(\.payload) == ["w1"])
        #expect(buffer.takeUnsent(nowMs: 5_001).isEmpty)
        // Full: the oldest goes, counted.
        buffer.append(key(2), payload: "w2", sentMs: nil)
        #expect(buffer.append(key(3), payload: "w3", sentMs: nil) == [key(1)])
        #expect(buffer.droppedTotal == 1)
        #expect(buffer.takeUnsent(nowMs: 5_002).map(\.key) == [key(2), key(3)])
    }

    @Test func theByteBoundDropsTheOldestAndAcksAreByEpochAndSequence() {
        var buffer = UnackedWindows<String>(capacity: 10, maxBytes: 100)
        // A predecessor's windows (epoch 1) and this agent's (epoch 2) with the same sequences.
        buffer.append(key(1, epoch: 1), payload: "a", bytes: 40, sentMs: nil)
        buffer.append(key(2, epoch: 1), payload: "b", bytes: 40, sentMs: nil)
        buffer.append(key(1, epoch: 2), payload: "c", bytes: 10, sentMs: nil)
        #expect(buffer.append(key(2, epoch: 2), payload: "d", bytes: 50, sentMs: nil) == [key(1, epoch: 1)])
        #expect(buffer.bytes == 100 && buffer.droppedTotal == 1)
        let droppedOne = buffer.acknowledge(key(1, epoch: 1))
        let waiting = buffer.acknowledge(key(1, epoch: 2))
        #expect(!droppedOne && waiting, "the dropped one is gone; the same sequence of another epoch is not")
        #expect(buffer.entries.map(\.payload) == ["b", "d"])
        #expect(buffer.bytes == 90)
        // One window larger than the bound on its own is kept, alone.
        #expect(buffer.append(key(3, epoch: 2), payload: "e", bytes: 500, sentMs: nil) == [key(2, epoch: 1), key(2, epoch: 2)])
        #expect(buffer.entries.map(\.payload) == ["e"])
    }

    private func key(_ sequence: UInt64, epoch: UInt64 = 7) -> WindowKey { WindowKey(epoch: epoch, sequence: sequence) }
}
