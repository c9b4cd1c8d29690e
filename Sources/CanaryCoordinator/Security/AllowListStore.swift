import CanaryConfig
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The allow-list in force, shared by the ZAP handler's thread (which asks
/// it about every new CURVE connection) and the engine (which checks every
/// message against the binding of the key that sent it).
///
/// Re-read on SIGHUP and when its files change (``reloadIfChanged()``, polled
/// by ``AllowListWatcher``): bad entries are logged with file:line and left
/// out, the others take effect at once — for new connections in ZAP, for
/// every message already connected ones send (a key removed from the list
/// has its messages refused from then on).
public final class AllowListStore: Sendable {
    public let path: String
    private let logger: Logger
    private struct State {
        var list: AllowList
        var signature: [String]
        /// Handshakes refused, per key fingerprint (bounded: see ``record``).
        var denied: [String: UInt64] = [:]
        var lastDenialLogMs: [String: Int64] = [:]
        var reloads: UInt64 = 0
    }
    private let state: Mutex<State>
    /// Distinct refused keys remembered; further ones count under "other".
    static let deniedKeysKept = 1_024
    /// ZAP domain of the coordinator's sockets.
    public static let domain = "canary"

    /// Loads the list (throws when the path cannot be read at all) and logs its issues.
    public init(path: String, logger: Logger) throws(ConfigError) {
        self.path = path
        self.logger = logger
        let signature = Self.signature(path)
        let list = try AllowList.load(path: path)
        state = Mutex(State(list: list, signature: signature))
        report(list, verb: "loaded")
    }

    public var current: AllowList { state.withLock { $0.list } }

    public var reloadCount: UInt64 { state.withLock { $0.reloads } }

    /// Handshakes refused so far, by key fingerprint.
    public var deniedHandshakes: [String: UInt64] { state.withLock { $0.denied } }

    /// Re-reads the list if any of its files changed since the last read.
    @discardableResult
    public func reloadIfChanged() -> Bool {
        let signature = Self.signature(path)
        guard state.withLock({ $0.signature != signature }) else { return false }
        reload(because: "its files changed", signature: signature)
        return true
    }

    /// Re-reads the list now (SIGHUP). An unreadable path keeps the list in force.
    public func reload(because reason: String) {
        reload(because: reason, signature: Self.signature(path))
    }

    private func reload(because reason: String, signature: [String]) {
        do {
            let list = try AllowList.load(path: path)
            state.withLock { state in
                state.list = list
                state.signature = signature
                state.reloads += 1
            }
            report(list, verb: "re-read (\(reason))")
        } catch {
            state.withLock { $0.signature = signature }
            logger.error("allow-list \(path) could not be re-read (\(reason)); the previous list stays in force: \(error)")
        }
    }

    private func report(_ list: AllowList, verb: String) {
        for issue in list.issues {
            logger.error("allow-list entry left out: \(issue)")
        }
        logger.notice("allow-list \(path) \(verb): \(list.entries.count) keys allowed from \(list.files.count) files, \(list.issues.count) issues")
    }

    /// The ZAP decision for one connection: CURVE with a key on the list is
    /// let in, its user id being the key itself (the engine looks its
    /// binding up on every message); anything else is refused and counted.
    public func decide(_ request: ZAPRequest, nowMs: Int64) -> ZAPDecision {
        guard request.mechanism == "CURVE", let key = request.clientPublicKey else {
            record(denied: "not-curve", address: request.address, reason: "mechanism \(request.mechanism)", nowMs: nowMs)
            return .deny(reason: "CURVE required")
        }
        if current[key] != nil { return .allow(userID: key) }
        record(denied: KeyFingerprint.of(key), address: request.address, reason: "key not on the allow-list", nowMs: nowMs)
        return .deny(reason: "key not on the allow-list")
    }

    private func record(denied fingerprint: String, address: String, reason: String, nowMs: Int64) {
        let shouldLog = state.withLock { state -> Bool in
            let label = state.denied[fingerprint] != nil || state.denied.count < Self.deniedKeysKept ? fingerprint : "other"
            state.denied[label, default: 0] += 1
            // One line per key a minute: a reconnecting peer retries every few seconds.
            guard nowMs - (state.lastDenialLogMs[label] ?? .min / 2) >= 60_000 else { return false }
            state.lastDenialLogMs[label] = nowMs
            return true
        }
        if shouldLog {
            logger.warning("refused a CURVE handshake from \(address.isEmpty ? "a local peer" : address), key \(fingerprint): \(reason) (logged once a minute per key)")
        }
    }

    /// What identifies the list's content on disk: each file's path, size
    /// and modification time (a directory's too, so added files count).
    static func signature(_ path: String) -> [String] {
        var paths = [path]
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            paths += names.sorted().map { (path as NSString).appendingPathComponent($0) }
        }
        return paths.map { file in
            var info = stat()
            guard stat(file, &info) == 0 else { return "\(file) missing" }
            return "\(file) \(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)"
        }
    }
}
