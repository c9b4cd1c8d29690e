import CanaryAgent
import CanaryCore
import CanaryWire
import Foundation
import Testing

/// The agent's spool on its own: records round-trip, a corrupt or foreign
/// file is refused with the file and the cause and put aside, one agent
/// holds a directory at a time, and a successor counts lost exactly the
/// records neither the checkpoint nor a spooled window covers.
@Suite("Window spool")
struct WindowSpoolTests {
    static func window(agent: String = "spooler", model: String = "spool-m", version: String = "v1",
                       epoch: UInt64, sequence: UInt64, requests: UInt64 = 5, ring: Range<UInt64> = 0..<5) throws -> SpooledWindow {
        var latency = try LatencyHistogram(settings: .fleetDefault)
        latency.record(micros: 4_000, count: requests)
        let now = Agent.wallClockMs()
        let window = Window(agentID: agent, agentEpoch: epoch, sequence: sequence, model: model, version: version,
                            startMs: now - 200, endMs: now, requestCount: requests,
                            statuses: StatusCounts(ok: requests), latency: latency)
        return SpooledWindow(key: WindowKey(epoch: epoch, sequence: sequence), ringCreatedNs: 42,
                             ringStart: ring.lowerBound, ringEnd: ring.upperBound,
                             frames: WireMessage.window(Canary_V1_Window(window)).encode())
    }

    @Test("written windows load back in key order, and an acked one is gone")
    func roundTrip() throws {
        let spool = WindowSpool(directory: Unique.directory() + "/spool")
        try spool.open()
        defer { spool.close() }
        let windows = try [(2, 1), (1, 7), (1, 3)].map { try Self.window(epoch: $0.0, sequence: $0.1) }
        for window in windows { try spool.write(window) }
        spool.remove(WindowKey(epoch: 1, sequence: 7))
        let found = spool.load(agentID: "spooler", model: "spool-m", version: "v1", limit: 10)
        #expect(found.windows.map(\.key) == [WindowKey(epoch: 1, sequence: 3), WindowKey(epoch: 2, sequence: 1)])
        #expect(found.windows.last == windows[0], "bytes, key and ring span as written")
        #expect(found.refused.isEmpty && found.dropped.isEmpty)
        // More than the limit: the oldest go, their files with them.
        let limited = spool.load(agentID: "spooler", model: "spool-m", version: "v1", limit: 1)
        #expect(limited.dropped == [WindowKey(epoch: 1, sequence: 3)])
        #expect(spool.load(agentID: "spooler", model: "spool-m", version: "v1", limit: 10).windows.map(\.key) == [WindowKey(epoch: 2, sequence: 1)])
    }

    @Test("corrupt and foreign files are refused naming the file and the cause, quarantined, never read again; the good one loads")
    func corruptAndForeign() throws {
        let directory = Unique.directory() + "/spool"
        let spool = WindowSpool(directory: directory)
        try spool.open()
        defer { spool.close() }
        let good = try Self.window(epoch: 5, sequence: 1)
        try spool.write(good)
        let torn = try Self.window(epoch: 5, sequence: 2)
        try spool.write(torn)
        let tornPath = spool.path(of: torn.key)
        var bytes = try #require(FileManager.default.contents(atPath: tornPath))
        bytes[bytes.count / 2] ^= 0x5A
        try bytes.write(to: URL(fileURLWithPath: tornPath))
        let cut = try Self.window(epoch: 5, sequence: 3)
        try spool.write(cut)
        try Data(cut.encoded().prefix(30)).write(to: URL(fileURLWithPath: spool.path(of: cut.key)))
        let foreign = try Self.window(agent: "someone-else", epoch: 5, sequence: 4)
        try spool.write(foreign)
        let stranger = WindowKey(epoch: 5, sequence: 5)
        try Data(String(repeating: "not a window at all\n", count: 5).utf8).write(to: URL(fileURLWithPath: spool.path(of: stranger)))
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory + "/notes.window"))
        // A write cut short by a crash: its window was never sent.
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: spool.path(of: WindowKey(epoch: 5, sequence: 6)) + ".tmp"))

        let found = spool.load(agentID: "spooler", model: "spool-m", version: "v1", limit: 100)
        #expect(found.windows == [good])
        let refused = Dictionary(uniqueKeysWithValues: found.refused.map { ($0.path, $0) })
        #expect(refused.count == 5, "\(found.refused)")
        #expect(refused[tornPath]?.code == .corrupt)
        #expect(refused[tornPath]?.reason.contains("checksum mismatch") == true, "\(found.refused)")
        #expect(refused[spool.path(of: cut.key)]?.reason.contains("shorter than any spool record") == true, "\(found.refused)")
        #expect(refused[spool.path(of: foreign.key)]?.code == .foreign)
        #expect(refused[spool.path(of: foreign.key)]?.reason.contains("agent id 'someone-else'") == true, "\(found.refused)")
        #expect(refused[spool.path(of: stranger)]?.reason.contains("spool record magic") == true, "\(found.refused)")
        #expect(refused[directory + "/notes.window"]?.reason.contains("its name is not") == true, "\(found.refused)")
        for error in found.refused {
            #expect(error.description.contains(error.path) && error.description.contains("quarantined as \(error.path).quarantined"), "\(error)")
            #expect(FileManager.default.fileExists(atPath: error.path + ".quarantined"))
        }
        #expect(!FileManager.default.fileExists(atPath: spool.path(of: WindowKey(epoch: 5, sequence: 6)) + ".tmp"))
        let again = spool.load(agentID: "spooler", model: "spool-m", version: "v1", limit: 100)
        #expect(again.windows == [good] && again.refused.isEmpty, "quarantined files are not read again")
    }

    @Test("one agent holds a spool directory at a time; a file in its place is a clear error")
    func locked() throws {
        let directory = Unique.directory() + "/spool"
        let first = WindowSpool(directory: directory), second = WindowSpool(directory: directory)
        try first.open()
        #expect(throws: SpoolError.self) { try second.open() }
        do { try second.open() } catch { #expect(error.code == .locked && error.description.contains(directory), "\(error)") }
        first.close()
        #expect(!FileManager.default.fileExists(atPath: directory), "an empty spool goes with a clean stop")
        try second.open()
        second.close()
        let file = Unique.directory() + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        do {
            try WindowSpool(directory: file).open()
            Issue.record("a regular file was taken for a spool directory")
        } catch {
            #expect(error.code == .directory && error.description.contains(file), "\(error)")
        }
    }

    @Test("a successor counts lost only what neither the checkpoint nor a spooled window covers")
    func unaccounted() {
        let checkpoint = RingCheckpoint(ringCreatedNs: 1, position: 1_000)
        #expect(checkpoint.unaccounted(upTo: 1_450, spooled: [1_200..<1_400, 1_000..<1_200]) == 50, "the open window")
        #expect(checkpoint.unaccounted(upTo: 1_400, spooled: [1_000..<1_200, 1_300..<1_400]) == 100, "a window not spooled")
        #expect(checkpoint.unaccounted(upTo: 1_400, spooled: [600..<900, 900..<1_400]) == 0, "acked windows still spooled")
        #expect(checkpoint.unaccounted(upTo: 1_000, spooled: []) == 0)
        #expect(checkpoint.unaccounted(upTo: 1_300, spooled: []) == 300, "no spool: everything past the checkpoint")
        // Tickets the reader still watches (passed mid-record) are the
        // successor reader's to deliver: not lost, wherever they lie.
        #expect(checkpoint.unaccounted(upTo: 1_450, spooled: [1_000..<1_400], watched: [1_420, 1_420, 1_430]) == 48,
                "watched tickets in the open window are not counted lost (each once)")
        #expect(checkpoint.unaccounted(upTo: 1_450, spooled: [1_000..<1_400], watched: [1_100, 900]) == 50,
                "watched tickets inside a spooled span or below the checkpoint change nothing")
    }
}
