import CCanaryShm
import CanaryShm
import Foundation
import Testing

/// Opening refuses segments that are not what they claim, with clear errors;
/// either side may start first.
@Suite struct SegmentTests {
    func config(_ name: String, capacity: Int = 64) -> RingConfiguration {
        RingConfiguration(name: name, model: "m", version: "v1", capacity: capacity, readyTimeout: .milliseconds(50))
    }

    /// Creates a raw segment of `size` bytes and lets `fill` scribble on it.
    func rawSegment(_ name: String, size: Int, fill: (UnsafeMutableRawPointer) -> Void = { _ in }) {
        let fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0o600)
        precondition(fd >= 0)
        defer { close(fd) }
        precondition(ftruncate(fd, off_t(size)) == 0)
        if size > 0 {
            let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)!
            fill(p)
            munmap(p, size)
        }
    }

    /// Pokes a header field of an existing segment.
    func poke(_ name: String, _ body: (UnsafeMutablePointer<canary_ring_header>) -> Void) {
        let fd = shm_open(name, O_RDWR, 0)
        precondition(fd >= 0)
        defer { close(fd) }
        let p = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)!
        body(p.assumingMemoryBound(to: canary_ring_header.self))
        munmap(p, 4096)
    }

    func expectRefused(_ config: RingConfiguration, _ code: ShmError.Code, saying words: String) {
        let error = #expect(throws: ShmError.self) { _ = try SampleReader(config) }
        #expect(error?.code == code)
        #expect(error?.description.contains(words) == true, "\(String(describing: error))")
        #expect(error?.description.contains(config.name) == true)
    }

    @Test func foreignSegmentIsRefused() async throws {
        await withSegmentName("foreign") { name in
            rawSegment(name, size: 8192) { p in memset(p, 0x5A, 8192) }
            expectRefused(config(name), .foreignSegment, saying: "wrong magic")
        }
    }

    @Test func routePageIsNotASampleRing() async throws {
        try await withSegmentName("kind") { name in
            _ = try RoutePage(name: name, model: "m")
            expectRefused(config(name), .foreignSegment, saying: "not a Canary sample ring")
        }
    }

    @Test func wrongLayoutVersionIsRefused() async throws {
        try await withSegmentName("version") { name in
            _ = try SampleRecorder(config(name))
            poke(name) { $0.pointee.layout_version = 99 }
            expectRefused(config(name), .layoutVersion, saying: "layout version")
        }
    }

    @Test func wrongRecordSizeIsRefused() async throws {
        try await withSegmentName("recsize") { name in
            _ = try SampleRecorder(config(name))
            poke(name) { $0.pointee.record_size = 128 }
            expectRefused(config(name), .recordSize, saying: "record size")
        }
    }

    @Test(arguments: [100, 4096 + 64 * 10])
    func truncatedSegmentIsRefused(size: Int) async throws {
        try await withSegmentName("trunc") { name in
            _ = try SampleRecorder(config(name))
            let fd = shm_open(name, O_RDWR, 0)
            #expect(ftruncate(fd, off_t(size)) == 0)
            close(fd)
            expectRefused(config(name), .truncated, saying: "truncated")
        }
    }

    @Test func unpublishedSegmentTimesOutAsNotReady() async throws {
        await withSegmentName("empty") { name in
            rawSegment(name, size: 0)
            expectRefused(config(name), .notReady, saying: "did not publish")
        }
    }

    @Test func otherModelIsRefused() async throws {
        try await withSegmentName("label") { name in
            _ = try SampleRecorder(config(name))
            var other = config(name)
            other.version = "v2"
            expectRefused(other, .labelMismatch, saying: "version 'v1'")
        }
    }

    @Test func attachOnlyReportsAMissingSegment() async throws {
        var c = config(uniqueSegmentName("missing"))
        c.openMode = .attachOnly
        expectRefused(c, .notFound, saying: "no sample ring")
    }

    @Test func badArgumentsAreRefusedBeforeAnyCall() async throws {
        expectRefused(config("no-slash"), .invalidArgument, saying: "leading '/'")
        expectRefused(config(uniqueSegmentName("cap"), capacity: 1000), .invalidArgument, saying: "power of two")
    }

    @Test func eitherSideMayStartFirst() async throws {
        try await withSegmentName("order") { name in
            let reader = try SampleReader(config(name))
            let recorder = try SampleRecorder(config(name, capacity: 1024)) // attaches: creator's capacity wins
            #expect(recorder.capacity == 64 && !recorder.createdSegment)
            recorder.record(latency: .microseconds(3), key: 9)
            #expect(reader.drain().records.map(\.latencyNanoseconds) == [3000])
        }
        await withSegmentName("race") { name in
            // Many openers at once: exactly one creates, all others attach.
            let created = DoneCounter(), failed = DoneCounter()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        do {
                            if try SampleRecorder(config(name)).createdSegment { created.increment() }
                        } catch { failed.increment() }
                    }
                }
            }
            #expect(created.value == 1 && failed.value == 0)
        }
    }

    @Test func segmentsAreOwnerOnlyByDefault() async throws {
        try await withSegmentName("perm") { name in
            _ = try SampleRecorder(config(name))
            var c = config(uniqueSegmentName("perm660"))
            c.permissions = .ownerAndGroup
            _ = try SampleRecorder(c)
            defer { _ = try? unlinkSharedSegment(c.name) }
            let attrs = try FileManager.default.attributesOfItem(atPath: "/dev/shm" + name)
            let attrs660 = try FileManager.default.attributesOfItem(atPath: "/dev/shm" + c.name)
            #expect((attrs[.posixPermissions] as? Int) == 0o600)
            #expect((attrs660[.posixPermissions] as? Int) == 0o660)
        }
    }

    @Test func unlinkReportsWhetherTheSegmentExisted() async throws {
        let name = uniqueSegmentName("unlink")
        _ = try RoutePage(name: name, model: "m")
        #expect(try unlinkSharedSegment(name))
        #expect(try !unlinkSharedSegment(name))
    }
}
