import CCanaryShm
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One `mmap`ed POSIX shared-memory segment, unmapped (and its descriptor
/// closed) on deinit. The descriptor stays open for `lockExclusive`.
///
/// `@unchecked Sendable`: base and size never change after init, and every
/// concurrent access to the bytes goes through the C11 atomics of
/// canary_shm.h.
final class SharedMapping: @unchecked Sendable {
    let name: String
    let fd: Int32
    let base: UnsafeMutableRawPointer
    let size: Int
    /// True if this process created (and initialised) the segment.
    let created: Bool

    private init(name: String, fd: Int32, base: UnsafeMutableRawPointer, size: Int, created: Bool) {
        self.name = name
        self.fd = fd
        self.base = base
        self.size = size
        self.created = created
    }

    deinit {
        munmap(base, size)
        close(fd) // also drops a lockExclusive lock
    }

    /// The segment's permission bits (`fstat`), e.g. 0o660; nil if fstat fails.
    var mode: mode_t? {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    /// Takes a non-blocking exclusive `flock` on the segment for this
    /// mapping's lifetime; the kernel drops it when the process dies, so a
    /// crashed holder never blocks its successor.
    /// - Returns: false if another open file description holds it.
    func lockExclusive() throws(ShmError) -> Bool {
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            if err == EINTR { continue }
            if err == EWOULDBLOCK { return false }
            throw ShmError(.systemCall, segment: name, call: "flock", errno: err, detail: "cannot lock")
        }
        return true
    }

    /// What a segment kind tells the generic open: how big a new one is, how
    /// to initialise it, how to validate an existing one, how big it is.
    struct Layout {
        var createSize: Int
        /// Smallest size whose first page can be validated.
        var headerSize: Int
        var initialize: (UnsafeMutableRawPointer) -> Void
        /// Validates the header page against the segment's fstat size.
        var check: (UnsafeRawPointer, UInt64) -> canary_status
        /// Full size to map, from a validated header.
        var mappedSize: (UnsafeRawPointer) -> Int
        /// Names the segment kind in errors ("sample ring", "route page").
        var kind: String
    }

    /// Creates or attaches to `name`. A creator sizes, maps and initialises
    /// the segment (ready word last); an attacher waits up to `readyTimeout`
    /// for that, checks the header with `fstat`'s size *before* mapping the
    /// whole segment, and so never maps past a truncated segment's end.
    static func open(
        name: String, layout: Layout, mode: SegmentOpenMode,
        permissions: SegmentPermissions, readyTimeout: Duration
    ) throws(ShmError) -> SharedMapping {
        try checkSegmentName(name)
        // The O_EXCL create can lose a race against a concurrent unlink of the
        // segment it found; one retry covers that without looping forever.
        for _ in 0..<3 {
            if mode == .createOrAttach, let made = try create(name: name, layout: layout, permissions: permissions) {
                return made
            }
            if let attached = try attach(name: name, layout: layout, mode: mode, readyTimeout: readyTimeout) {
                return attached
            }
        }
        throw ShmError(.notReady, segment: name, detail: "\(layout.kind) kept disappearing while opening it")
    }

    /// shm_open(O_CREAT|O_EXCL) + fchmod + ftruncate + mmap; nil if it exists.
    private static func create(name: String, layout: Layout, permissions: SegmentPermissions) throws(ShmError) -> SharedMapping? {
        let fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(permissions.mode))
        if fd == -1 {
            let err = errno
            if err == EEXIST { return nil }
            throw ShmError(.systemCall, segment: name, call: "shm_open", errno: err, detail: "cannot create \(layout.kind)")
        }
        do {
            // shm_open's mode is filtered by the umask; 0660 must really be 0660.
            _ = try syscall("fchmod", segment: name) { fchmod(fd, mode_t(permissions.mode)) }
            _ = try syscall("ftruncate", segment: name) { ftruncate(fd, off_t(layout.createSize)) }
            let base = try map(fd: fd, size: layout.createSize, writable: true, name: name)
            layout.initialize(base)
            return SharedMapping(name: name, fd: fd, base: base, size: layout.createSize, created: true)
        } catch {
            close(fd)
            shm_unlink(name) // never leave a half-made segment for an attacher to wait on
            throw error
        }
    }

    /// shm_open + fstat + header mmap + check + full mmap; nil if it vanished.
    private static func attach(name: String, layout: Layout, mode: SegmentOpenMode, readyTimeout: Duration) throws(ShmError) -> SharedMapping? {
        let fd = shm_open(name, O_RDWR | O_CLOEXEC, 0)
        if fd == -1 {
            let err = errno
            if err == ENOENT {
                if mode == .createOrAttach { return nil }
                throw ShmError(.notFound, segment: name, call: "shm_open", errno: err,
                               detail: "no \(layout.kind) of that name: start the side that creates it, or check the name")
            }
            throw ShmError(.systemCall, segment: name, call: "shm_open", errno: err, detail: "cannot open \(layout.kind)")
        }
        var keep = false
        defer { if !keep { close(fd) } }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: readyTimeout)
        while true {
            var st = stat()
            _ = try syscall("fstat", segment: name) { fstat(fd, &st) }
            let size = UInt64(st.st_size)
            // ftruncate sizes a new segment in one step (0 → full), so a size
            // between the two is a truncated segment, not a creator at work.
            var status = size == 0 ? CANARY_E_NOT_READY : CANARY_E_TRUNCATED
            if size >= UInt64(layout.headerSize) {
                let header = try map(fd: fd, size: layout.headerSize, writable: false, name: name)
                status = layout.check(UnsafeRawPointer(header), size)
                let full = status == CANARY_OK ? layout.mappedSize(UnsafeRawPointer(header)) : 0
                munmap(header, layout.headerSize)
                if status == CANARY_OK {
                    let base = try map(fd: fd, size: full, writable: true, name: name)
                    keep = true
                    return SharedMapping(name: name, fd: fd, base: base, size: full, created: false)
                }
            }
            if status != CANARY_E_NOT_READY { throw headerError(status, name: name, kind: layout.kind, size: size) }
            if clock.now >= deadline {
                throw ShmError(.notReady, segment: name,
                               detail: "\(layout.kind) exists (\(size) bytes) but its creator did not publish it within \(readyTimeout); "
                                   + "if no process is creating it, it is stale: unlink it")
            }
            usleep(1000)
        }
    }

    private static func map(fd: Int32, size: Int, writable: Bool, name: String) throws(ShmError) -> UnsafeMutableRawPointer {
        let prot = writable ? PROT_READ | PROT_WRITE : PROT_READ
        guard let p = mmap(nil, size, prot, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw ShmError(.systemCall, segment: name, call: "mmap", errno: errno, detail: "cannot map \(size) bytes")
        }
        return p
    }

    private static func headerError(_ status: canary_status, name: String, kind: String, size: UInt64) -> ShmError {
        switch status {
        case CANARY_E_FOREIGN:
            return ShmError(.foreignSegment, segment: name, detail: "not a Canary \(kind) (wrong magic): another program owns this name")
        case CANARY_E_VERSION:
            return ShmError(.layoutVersion, segment: name,
                            detail: "\(kind) has another layout version than this build's \(CANARY_LAYOUT_VERSION): upgrade both sides or recreate it")
        case CANARY_E_RECORD_SIZE:
            return ShmError(.recordSize, segment: name, detail: "\(kind) has another record size than this build's \(CANARY_RECORD_SIZE) bytes")
        case CANARY_E_TRUNCATED:
            return ShmError(.truncated, segment: name, detail: "\(kind) is truncated: \(size) bytes, smaller than its header says; refusing to map it")
        default:
            return ShmError(.badGeometry, segment: name, detail: "\(kind) header has an invalid capacity or header size")
        }
    }
}

/// Removes a segment name (shm_unlink). Processes that mapped it keep their
/// mapping; the memory goes away with the last one.
/// - Returns: false if no segment had that name.
@discardableResult
public func unlinkSharedSegment(_ name: String) throws(ShmError) -> Bool {
    try checkSegmentName(name)
    // The ring's checkpoint means nothing without the ring (proto/shm-layout.md §3.6).
    canary_unlink_checkpoint(name)
    if shm_unlink(name) == 0 { return true }
    let err = errno
    if err == ENOENT { return false }
    throw ShmError(.systemCall, segment: name, call: "shm_unlink", errno: err, detail: "cannot unlink")
}
