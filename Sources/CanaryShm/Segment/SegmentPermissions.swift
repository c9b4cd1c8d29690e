/// Who may open a segment: the creating user only (0600, the default) or
/// its group too (0660), e.g. when model server and agent run as different
/// users of one group. Never world-accessible.
public struct SegmentPermissions: Sendable, Hashable {
    public let mode: UInt32
    public static let ownerOnly = SegmentPermissions(mode: 0o600)
    public static let ownerAndGroup = SegmentPermissions(mode: 0o660)
}

/// How an open treats a missing segment. Either side may start first, so
/// both recorder and reader default to `createOrAttach`.
public enum SegmentOpenMode: Sendable, Hashable {
    /// Create it (O_CREAT|O_EXCL), or attach if another process did first.
    case createOrAttach
    /// Attach only; a missing segment is `ShmError.Code.notFound`.
    case attachOnly
}
