import Foundation

/// CURVE key files: one Z85 key (40 characters) per file, `#` comment lines
/// allowed, as `canary keygen` writes them. Configs name these files, never
/// the keys themselves, so a config can be shown, diffed and committed
/// without leaking a secret.
///
/// A secret key file must not be readable by group or others: it is refused
/// (like ssh refuses a private key with open permissions), because a secret
/// others can read is no secret, and warning instead would leave a fleet
/// running on it. `chmod 600` fixes it.
public enum KeyFile {
    /// The Z85 alphabet (ZeroMQ RFC 32).
    static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// Whether `text` has the shape of a Z85-encoded 32-byte key.
    public static func looksLikeKey(_ text: String) -> Bool {
        text.count == 40 && text.allSatisfy { z85Alphabet.contains($0) }
    }

    /// What went wrong reading a key file, said so an operator can fix it.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        public let message: String
        public var description: String { "\(path): \(message)" }
    }

    /// Reads a public key file.
    public static func readPublic(_ path: String) throws(Problem) -> String {
        try read(path, what: "public key")
    }

    /// Reads a secret key file, refusing one readable by group or others.
    public static func readSecret(_ path: String) throws(Problem) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Problem(path: path, message: "cannot read the secret key file: \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        if mode & 0o077 != 0 {
            throw Problem(path: path, message: "the secret key file is readable by group or others (mode \(octal(mode))); "
                + "run 'chmod 600 \(path)' (a secret others can read is no longer secret)")
        }
        return try read(path, what: "secret key")
    }

    private static func read(_ path: String, what: String) throws(Problem) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem(path: path, message: "cannot read the \(what) file")
        }
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
        guard lines.count == 1, let key = lines.first, looksLikeKey(key) else {
            throw Problem(path: path, message: "not a \(what) file: expected one line of 40 Z85 characters (as 'canary keygen' writes)")
        }
        return key
    }

    /// Writes a key pair as `<base>.pub` (mode 0644) and `<base>.key` (mode
    /// 0600, created with that mode so it is never readable by others, not
    /// even for a moment). Refuses to replace existing files unless `force`.
    /// Returns the two paths.
    public static func writePair(publicKey: String, secretKey: String, base: String, force: Bool,
                                 comment: String) throws(Problem) -> (publicPath: String, secretPath: String) {
        let publicPath = base + ".pub", secretPath = base + ".key"
        if !force {
            for path in [publicPath, secretPath] where FileManager.default.fileExists(atPath: path) {
                throw Problem(path: path, message: "already exists; pass --force to replace it (agents using the old key will be refused)")
            }
        }
        try write("# \(comment)\n# CURVE secret key (Z85). Keep it private: mode 0600, never in a config file.\n\(secretKey)\n",
                  to: secretPath, mode: 0o600)
        try write("# \(comment)\n# CURVE public key (Z85). Safe to share: put it in the allow-list or give it to agents.\n\(publicKey)\n",
                  to: publicPath, mode: 0o644)
        return (publicPath, secretPath)
    }

    private static func write(_ text: String, to path: String, mode: mode_t) throws(Problem) {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw Problem(path: path, message: "cannot create the file: \(String(cString: strerror(errno)))")
        }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        // The umask may have narrowed the mode; set exactly what we mean.
        let ok = written == bytes.count && fchmod(fd, mode) == 0 && fsync(fd) == 0
        let failure = String(cString: strerror(errno))
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Problem(path: path, message: "cannot write the file: \(failure)")
        }
    }

    static func octal(_ mode: mode_t) -> String {
        let text = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }
}
