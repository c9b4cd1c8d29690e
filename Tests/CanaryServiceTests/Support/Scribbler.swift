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
        guard fd >= 0 else { throw TestFailure("cannot open \(name) to scribble on it: errno \(errno)") }
        defer { close(fd) }
        guard let p = mmap(nil, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw TestFailure("cannot map \(name): errno \(errno)")
        }
        base = p
    }

    deinit { munmap(base, 4096) }

    func u64(_ offset: Int) -> UInt64 { base.load(fromByteOffset: offset, as: UInt64.self) }
    func set64(_ offset: Int, _ value: UInt64) { base.storeBytes(of: value, toByteOffset: offset, as: UInt64.self) }
    func set32(_ offset: Int, _ value: UInt32) { base.storeBytes(of: value, toByteOffset: offset, as: UInt32.self) }
}
