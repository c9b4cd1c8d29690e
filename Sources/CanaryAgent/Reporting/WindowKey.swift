/// A window's identity on the wire: the epoch of the agent process that
/// built it and its sequence within that epoch. A successor resends its
/// predecessor's spooled windows under their original key, so the
/// coordinator's de-duplication by (agent, epoch, sequence) counts each once.
public struct WindowKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let epoch: UInt64
    public let sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    /// Epochs are start times, so this is the order the windows were built in.
    public static func < (a: WindowKey, b: WindowKey) -> Bool {
        (a.epoch, a.sequence) < (b.epoch, b.sequence)
    }

    public var description: String { "#\(sequence) of epoch \(epoch)" }
}
