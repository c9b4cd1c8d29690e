/// The window sequences of one agent epoch that have been counted.
///
/// Agents number windows 1, 2, 3 … per epoch and resend unacked ones after a
/// reconnect, possibly interleaved with new ones, so arrivals are mostly in
/// order with occasional gaps. We keep the highest contiguous sequence and a
/// small set above it; memory stays bounded however long the agent lives.
public struct SequenceSet: Sendable, Equatable, Codable {
    /// Every sequence in 1...contiguous has been seen.
    public private(set) var contiguous: UInt64
    /// Seen sequences above `contiguous`.
    public private(set) var above: Set<UInt64>
    /// When `above` grows past this, the oldest gap is given up: the windows
    /// in it are older than any agent's resend buffer, so they cannot arrive.
    public let maxAbove: Int

    public init(contiguous: UInt64 = 0, above: Set<UInt64> = [], maxAbove: Int = 4_096) {
        self.contiguous = contiguous
        self.above = above
        self.maxAbove = maxAbove
    }

    /// Records `sequence`; returns false when it had been seen before.
    public mutating func insert(_ sequence: UInt64) -> Bool {
        if sequence <= contiguous || above.contains(sequence) { return false }
        if sequence == contiguous &+ 1 {
            contiguous = sequence
            absorbAbove()
        } else {
            above.insert(sequence)
            if above.count > maxAbove, let lowest = above.min() {
                // Give up the gap below the lowest pending sequence.
                contiguous = lowest
                above.remove(lowest)
                absorbAbove()
            }
        }
        return true
    }

    /// Moves the sequences just above `contiguous` into it. Never steps past
    /// `UInt64.max` (the intake refuses sequences ≥ 2⁶³ anyway).
    private mutating func absorbAbove() {
        while contiguous < .max, above.remove(contiguous + 1) != nil { contiguous += 1 }
    }

    public func contains(_ sequence: UInt64) -> Bool {
        sequence <= contiguous || above.contains(sequence)
    }
}
