/// The rule for POSIX shared-memory names, in one place: the segments check
/// it when they open, the agent configuration when it loads, so a name is
/// refused with the same sentence (and the same limits) wherever it comes from.
public enum SegmentName {
    /// Longest name in bytes, leading '/' included: NAME_MAX (255) bounds the
    /// file shm_open creates, and macOS refuses longer ones earlier still.
    public static let maxBytes = 255

    /// What is wrong with `name` ("must start with '/' …"), nil when usable.
    public static func problem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        let slash = UInt8(ascii: "/")
        if bytes.first != slash || bytes.dropFirst().contains(slash) {
            return "must start with '/' and contain no other '/' (one leading '/', e.g. /canary.model.replica)"
        }
        if bytes.count < 2 { return "needs a name after the leading '/' (e.g. /canary.model.replica)" }
        if bytes.count > maxBytes { return "is \(bytes.count) bytes long; the limit is \(maxBytes) bytes" }
        if bytes.contains(0) { return "must not contain NUL bytes" }
        return nil
    }
}
