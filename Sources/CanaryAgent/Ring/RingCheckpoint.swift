import Foundation

/// How far into the ring the coordinator has acknowledged this agent's
/// windows: the reader position up to which every consumed record is in an
/// acked window (or was counted lost in one).
///
/// The ring keeps the reader position, which moves when records are
/// drained, not when their window is acked. A SIGKILLed agent therefore
/// takes with it the records of its open and unacked windows. Its successor
/// compares the ring's position with this checkpoint and counts the
/// difference as lost, so that loss is reported, never silent (DESIGN §7).
/// Kept next to the segment (tmpfs, same lifetime), tied to the ring's
/// creation time so a recreated ring is never compared with an old one.
public struct RingCheckpoint: Codable, Sendable, Equatable {
    public var ringCreatedNs: UInt64
    public var position: UInt64

    public init(ringCreatedNs: UInt64, position: UInt64) {
        self.ringCreatedNs = ringCreatedNs
        self.position = position
    }

    /// `/dev/shm/<ring name>.checkpoint` on Linux, the temp folder elsewhere.
    public static func path(forRing ring: String) -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return base + "/" + ring.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + ".checkpoint"
    }

    public static func load(ring: String) -> RingCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path(forRing: ring)) else { return nil }
        return try? JSONDecoder().decode(RingCheckpoint.self, from: data)
    }

    /// Written atomically (temp file + rename).
    public func save(ring: String) {
        let path = Self.path(forRing: ring)
        let temporary = path + ".tmp"
        guard let data = try? JSONEncoder().encode(self), FileManager.default.createFile(atPath: temporary, contents: data) else { return }
        _ = rename(temporary, path)
    }

    public static func remove(ring: String) {
        unlink(path(forRing: ring))
    }
}
