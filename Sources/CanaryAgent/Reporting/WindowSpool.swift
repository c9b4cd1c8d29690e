import CanaryWire
import Foundation
import Synchronization

/// The agent's write-ahead spool of unacked windows: each closed window is
/// written here — one file per window, written to a temporary name,
/// fsynced, renamed into place and the directory fsynced — before it is
/// first sent, and removed once the coordinator acknowledged or refused it.
/// An agent that stops, gracefully or by `kill -9`, leaves its unacked
/// windows here; its successor loads them and resends them under their
/// original (agent, epoch, sequence), so the coordinator counts each
/// exactly once, even one whose ack was lost after it was counted.
///
/// One directory per agent: it is locked (`flock`) while an agent uses it,
/// and a file holding another agent's, model's or version's window is
/// refused. The default, next to the ring checkpoint on tmpfs, survives an
/// agent crash or restart but not a host reboot — the same lifetime as the
/// ring whose records the windows summarise; a directory on disk keeps them
/// across reboots too (the fsyncs then cost a disk flush per window).
public final class WindowSpool: Sendable {
    public let directory: String
    /// The directory, opened and locked while this agent uses it (-1: closed).
    private let descriptor = Mutex<Int32>(-1)

    public init(directory: String) {
        self.directory = directory
    }

    /// `/dev/shm/<ring name>.spool` on Linux, next to the ring checkpoint.
    public static func defaultDirectory(forRing ring: String) -> String {
        RingCheckpoint.directory + "/" + ring.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + ".spool"
    }

    public var isOpen: Bool { descriptor.withLock { $0 >= 0 } }

    /// Creates the directory (0700) if needed and takes its lock.
    public func open() throws(SpoolError) {
        guard !isOpen else { return }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw SpoolError(.directory, path: directory, "cannot create it: \(error.localizedDescription)")
        }
        let fd = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SpoolError(.directory, path: directory, "cannot open it: \(Self.errnoText())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let text = Self.errnoText()
            Glibc.close(fd)
            throw busy ? SpoolError(.locked, path: directory, "another agent process is using it (each agent needs its own spool directory)")
                       : SpoolError(.directory, path: directory, "cannot lock it: \(text)")
        }
        descriptor.withLock { $0 = fd }
    }

    /// Releases the lock; removes the directory when nothing is left in it.
    public func close() {
        let fd = descriptor.withLock { fd in
            defer { fd = -1 }
            return fd
        }
        guard fd >= 0 else { return }
        rmdir(directory)  // fails (and is meant to) while windows or quarantined files remain
        Glibc.close(fd)
    }

    deinit { close() }

    public func path(of key: WindowKey) -> String { directory + "/" + Self.fileName(key) }

    /// Writes one window durably (see the type's comment for the steps).
    public func write(_ window: SpooledWindow) throws(SpoolError) {
        let directoryFD = descriptor.withLock { $0 }
        let target = path(of: window.key)
        guard directoryFD >= 0 else { throw SpoolError(.write, path: target, "the spool is not open") }
        let temporary = target + ".tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SpoolError(.write, path: target, "open \(temporary): \(Self.errnoText())") }
        let bytes = window.encoded()
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "write: \(Self.errnoText())"
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = "fsync: \(Self.errnoText())" }
        Glibc.close(fd)
        if failure == nil, rename(temporary, target) != 0 { failure = "rename: \(Self.errnoText())" }
        if let failure {
            unlink(temporary)
            throw SpoolError(.write, path: target, failure)
        }
        // The rename is durable once the directory is.
        _ = fsync(directoryFD)
    }

    /// Removes an acknowledged, refused or dropped window's file.
    public func remove(_ key: WindowKey) {
        unlink(path(of: key))
    }

    /// What a successor finds: the windows to resend (oldest first), the
    /// files refused (already quarantined) and the oldest windows dropped
    /// (files removed) because more than `limit` were found.
    public struct Found: Sendable {
        public var windows: [SpooledWindow] = []
        public var refused: [SpoolError] = []
        public var dropped: [WindowKey] = []
    }

    /// Reads every window file left by earlier agents of this agent id,
    /// model and version, at most the newest `limit`. A file that is not
    /// an intact record, or holds another agent's window, is renamed to
    /// `<name>.quarantined` (kept for a post-mortem, never read again).
    /// A temporary file is a write cut short: its window was never sent.
    public func load(agentID: String, model: String, version: String, limit: Int) -> Found {
        var found = Found()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var keys: [WindowKey] = []
        for name in names {
            if name.hasSuffix(".window.tmp") {
                unlink(directory + "/" + name)
            } else if name.hasSuffix(".window") {
                if let key = Self.key(fileName: name) {
                    keys.append(key)
                } else {
                    found.refused.append(quarantine(name, .corrupt, "its name is not <epoch>-<sequence>.window"))
                }
            }
        }
        keys.sort()
        for key in keys.prefix(max(0, keys.count - limit)) {
            remove(key)
            found.dropped.append(key)
        }
        for key in keys.suffix(limit) {
            switch read(key, agentID: agentID, model: model, version: version) {
            case .success(let window): found.windows.append(window)
            case .failure(let refusal): found.refused.append(refusal)
            }
        }
        return found
    }

    private func read(_ key: WindowKey, agentID: String, model: String, version: String) -> Result<SpooledWindow, SpoolError> {
        let name = Self.fileName(key), path = directory + "/" + name
        let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= SpooledWindow.maxRecordBytes else {
            return .failure(quarantine(name, .corrupt, "\(size) bytes, larger than any window record (\(SpooledWindow.maxRecordBytes))"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(quarantine(name, .corrupt, "cannot be read"))
        }
        let window: SpooledWindow
        switch SpooledWindow.decode(Array(data)) {
        case .success(let decoded): window = decoded
        case .failure(let problem): return .failure(quarantine(name, .corrupt, problem.description))
        }
        guard window.key == key else {
            return .failure(quarantine(name, .corrupt, "it holds window \(window.key), not the one its name says"))
        }
        guard case .window(let wire)? = try? WireMessage.decode(window.frames) else {
            return .failure(quarantine(name, .corrupt, "its frames are not a window message"))
        }
        let claims = [("agent id", wire.agentID, agentID), ("model", wire.model, model), ("version", wire.version, version)]
        if let (what, theirs, ours) = claims.first(where: { $0.1 != $0.2 }) {
            return .failure(quarantine(name, .foreign, "it holds a window of \(what) '\(theirs.prefix(256))', this agent's is '\(ours)'"))
        }
        guard wire.agentEpoch == key.epoch, wire.sequence == key.sequence else {
            return .failure(quarantine(name, .corrupt, "its window is #\(wire.sequence) of epoch \(wire.agentEpoch), not \(key)"))
        }
        return .success(window)
    }

    private func quarantine(_ name: String, _ code: SpoolError.Code, _ reason: String) -> SpoolError {
        let path = directory + "/" + name, aside = path + ".quarantined"
        let outcome = rename(path, aside) == 0 ? "quarantined as \(aside)" : "could not be quarantined (\(Self.errnoText())), removed"
        if !FileManager.default.fileExists(atPath: aside) { unlink(path) }
        return SpoolError(code, path: path, "\(reason); \(outcome)")
    }

    /// `<epoch>-<sequence>.window`, both zero-padded to 20 digits so names sort like keys.
    static func fileName(_ key: WindowKey) -> String {
        func padded(_ value: UInt64) -> String {
            let digits = String(value)
            return String(repeating: "0", count: 20 - digits.count) + digits
        }
        return "\(padded(key.epoch))-\(padded(key.sequence)).window"
    }

    static func key(fileName name: String) -> WindowKey? {
        let parts = name.dropLast(".window".count).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count == 20 }),
              let epoch = UInt64(parts[0]), let sequence = UInt64(parts[1]) else { return nil }
        return WindowKey(epoch: epoch, sequence: sequence)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
