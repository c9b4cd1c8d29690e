/// The processes heard under one agent id — each an epoch, with where it
/// runs — and which of them the id belongs to now.
///
/// A new epoch saying hello takes the id over: that is how a restarted
/// agent looks, and its predecessor is silent from then on. A predecessor
/// that keeps speaking after that (past a short grace for messages in flight
/// when it stopped) is a second live process under the same id: the newer
/// one is refused while the older stays live (Fleet+Identity.swift).
public struct AgentIdentity: Sendable, Equatable {
    public struct Speaker: Sendable, Equatable, CustomStringConvertible {
        public let epoch: UInt64
        public var host: String = ""
        public var ringName: String = ""
        /// First and last hello or heartbeat, on the run clock.
        public let firstRunMs: Int64
        public var lastRunMs: Int64
        /// Where replies to it go (the ROUTER's id of its connection).
        public var routingID: [UInt8]

        public var description: String {
            "epoch \(epoch) on host \(host.isEmpty ? "(not told)" : String(host.prefix(128))), ring \(ringName.isEmpty ? "(not told)" : String(ringName.prefix(128)))"
        }
    }

    /// At most this many processes are remembered per id (the owner and the
    /// refused ones first): enough to tell a restart from a duplicate.
    static let maxSpeakers = 4

    /// The epoch the id belongs to now, and since when (run clock).
    public private(set) var owner: UInt64
    public private(set) var ownerSinceRunMs: Int64
    public private(set) var speakers: [UInt64: Speaker]
    /// Epochs refused as duplicates while the owner is live.
    public private(set) var refused: Set<UInt64> = []

    init(_ speaker: Speaker) {
        owner = speaker.epoch
        ownerSinceRunMs = speaker.firstRunMs
        speakers = [speaker.epoch: speaker]
    }

    /// Records a hello or heartbeat of `epoch`; true when this epoch was not heard before.
    mutating func heard(epoch: UInt64, host: String?, ringName: String?, routingID: [UInt8], runMs: Int64) -> Bool {
        var speaker = speakers[epoch] ?? Speaker(epoch: epoch, firstRunMs: runMs, lastRunMs: runMs, routingID: routingID)
        let new = speakers[epoch] == nil
        speaker.lastRunMs = max(speaker.lastRunMs, runMs)
        speaker.routingID = routingID
        if let host, !host.isEmpty { speaker.host = host }
        if let ringName, !ringName.isEmpty { speaker.ringName = ringName }
        speakers[epoch] = speaker
        if speakers.count > Self.maxSpeakers {
            let keep = refused.union([owner, epoch])
            if let oldest = speakers.values.filter({ !keep.contains($0.epoch) }).min(by: { $0.lastRunMs < $1.lastRunMs }) {
                speakers[oldest.epoch] = nil
            }
        }
        return new
    }

    mutating func takeOver(_ epoch: UInt64, runMs: Int64) {
        refused.remove(epoch)
        owner = epoch
        ownerSinceRunMs = runMs
    }

    /// The owner is refused as a duplicate of `older`, which gets the id back.
    mutating func refuseOwner(keeping older: UInt64) {
        refused.insert(owner)
        owner = older
        ownerSinceRunMs = speakers[older]?.firstRunMs ?? ownerSinceRunMs
    }

    /// A process that said goodbye.
    mutating func leave(_ epoch: UInt64) {
        refused.remove(epoch)
        if epoch != owner { speakers[epoch] = nil }
    }
}
