import Foundation

/// How far into the ring the coordinator has acknowledged this agent's
/// windows: the reader position up to which every consumed record is in an
/// acked window (or a dropped one, counted in `windowsDropped`).
///
/// The ring keeps the reader position, which moves when records are
/// drained, not when their window is acked. A stopped agent's unacked
/// windows are in its ``WindowSpool``, each with the ring span it was built
/// from: its successor resends them and credits those spans, and counts as
/// lost only what neither covers — the window that was still open, or one
/// whose spool write failed or whose file was refused — so that loss is
/// reported, never silent (DESIGN §8). Kept next to the segment (tmpfs,
/// same lifetime), tied to the ring's creation time so a recreated ring is
/// never compared with an old one.
public struct RingCheckpoint: Codable, Sendable, Equatable {
    public var ringCreatedNs: UInt64
    public var position: UInt64

    public init(ringCreatedNs: UInt64, position: UInt64) {
        self.ringCreatedNs = ringCreatedNs
        self.position = position
    }

    /// `/dev/shm` on Linux (where the rings live), the temp folder elsewhere.
    public static var directory: String {
        FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    }

    /// `/dev/shm/<ring name>.checkpoint` on Linux, the temp folder elsewhere.
    public static func path(forRing ring: String) -> String {
        directory + "/" + ring.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + ".checkpoint"
    }

    public static func load(ring: String) -> RingCheckpoint? {
        guard let data = FileManager.default.contents(atPath: path(forRing: ring)) else { return nil }
        return try? JSONDecoder().decode(RingCheckpoint.self, from: data)
    }

    /// Written atomically (temp file + rename), with the ring's permission
    /// bits (`mode`): whoever may read the ring may read this, nobody else.
    public func save(ring: String, mode: UInt32 = 0o600) {
        let path = Self.path(forRing: ring)
        let temporary = path + ".tmp"
        guard let data = try? JSONEncoder().encode(self),
              FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: Int(mode & 0o666)])
        else { return }
        // createFile applies the umask-free mode only on creation; a left-over temp file keeps its own.
        chmod(temporary, mode_t(mode & 0o666))
        _ = rename(temporary, path)
    }

    public static func remove(ring: String) {
        unlink(path(forRing: ring))
    }
}

extension RingCheckpoint {
    /// How many of the records consumed up to `position` a successor must
    /// count lost: those neither below the checkpoint nor inside the span
    /// of a spooled window it took over (of this ring), nor `watched` —
    /// tickets the reader passed while their writer was mid-record, which
    /// the successor's reader delivers (or counts lost) itself.
    public func unaccounted(upTo position: UInt64, spooled spans: [Range<UInt64>], watched: [UInt64] = []) -> UInt64 {
        var uncovered: [Range<UInt64>] = []
        var covered = self.position
        for span in spans.sorted(by: { $0.lowerBound < $1.lowerBound }) where span.upperBound > covered && span.lowerBound < position {
            if span.lowerBound > covered { uncovered.append(covered..<span.lowerBound) }
            covered = min(span.upperBound, position)
        }
        if position > covered { uncovered.append(covered..<position) }
        let lost = uncovered.reduce(UInt64(0)) { $0 + ($1.upperBound - $1.lowerBound) }
        let stillWatched = Set(watched).filter { ticket in uncovered.contains { $0.contains(ticket) } }
        return lost - UInt64(stillWatched.count)
    }
}
