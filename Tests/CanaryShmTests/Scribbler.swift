import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes raw words into a live segment's first page, as a buggy or hostile
/// process would: its own shm_open + mmap, no Canary code involved.
final class Scribbler {
    private let base: UnsafeMutableRawPointer

    init(_ name: String) throws {
        let fd = shm_open(name, O_RDWR, 0)
        guard fd >= 0 else { throw MissingPrerequisite(fix: "cannot open \(name) to scribble on it: errno \(errno)") }
        defer { close(fd) }
        guard let p = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw MissingPrerequisite(fix: "cannot map \(name): errno \(errno)")
        }
        base = p
    }

    deinit { munmap(base, 4096) }

    func u64(_ offset: Int) -> UInt64 { base.load(fromByteOffset: offset, as: UInt64.self) }
    func u32(_ offset: Int) -> UInt32 { base.load(fromByteOffset: offset, as: UInt32.self) }
    func set64(_ offset: Int, _ value: UInt64) { base.storeBytes(of: value, toByteOffset: offset, as: UInt64.self) }
    func set32(_ offset: Int, _ value: UInt32) { base.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
    func setBytes(_ offset: Int, _ bytes: [UInt8]) {
        for (i, b) in bytes.enumerated() { base.storeBytes(of: b, toByteOffset: offset + i, as: UInt8.self) }
    }
    var page: [UInt8] { Array(UnsafeRawBufferPointer(start: base, count: 4096)) }
    func restore(_ page: [UInt8]) { setBytes(0, page) }

    /// Route page: the seqlock word moved on by 2, as after a completed write.
    func bumpSeq() { set64(RouteOffsets.seq, u64(RouteOffsets.seq) + 2) }
}

/// Byte offsets of proto/shm-layout.md, written out so the tests do not
/// take them from the code they test.
enum RouteOffsets {
    static let magic = 0, layoutVersion = 8, seq = 128, phase = 152, count = 156
    static func label(_ i: Int) -> Int { 160 + 64 * i }
    static func weight(_ i: Int) -> Int { 160 + 64 * i + 56 }
    static func reserved(_ i: Int) -> Int { 160 + 64 * i + 60 }
}

enum RingOffsets {
    static let magic = 0, capacity = 16, head = 256, tail = 384
}
