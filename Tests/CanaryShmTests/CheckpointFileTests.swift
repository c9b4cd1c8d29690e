import CanaryShm
import Foundation
import Testing

/// The agent keeps `/dev/shm/<ring>.checkpoint` next to a ring (proto/shm-layout.md
/// §3.6); unlinking the ring, from Swift or Python, removes it too, so runs
/// that create and unlink rings leave nothing behind.
@Suite struct CheckpointFileTests {
    @Test("unlinking a ring removes its checkpoint file, and only that")
    func unlinkRemovesCheckpoint() throws {
        let name = uniqueSegmentName("ckpt")
        let recorder = try SampleRecorder(RingConfiguration(name: name, model: "m", version: "v1", capacity: 64))
        _ = recorder
        let checkpoint = "/dev/shm" + name + ".checkpoint"
        let spool = "/dev/shm" + name + ".spool"
        #expect(FileManager.default.createFile(atPath: checkpoint, contents: Data("{}".utf8)))
        try FileManager.default.createDirectory(atPath: spool, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: spool) }
        #expect(try unlinkSharedSegment(name))
        #expect(!FileManager.default.fileExists(atPath: checkpoint), "the checkpoint outlived its ring")
        #expect(FileManager.default.fileExists(atPath: spool), "the spool holds unacked windows: the agent's to remove")
        #expect(try !unlinkSharedSegment(name), "a second unlink finds nothing")
    }
}
