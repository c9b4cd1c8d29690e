#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure opening, mapping or using a shared-memory segment.
///
/// A struct with a nested `Code` (as in swift-service-lifecycle) so new
/// causes do not break callers; `description` names the segment, the call
/// and what to do about it.
public struct ShmError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Raw: String, Hashable, Sendable {
            case systemCall, notFound, notReady, foreignSegment, layoutVersion, recordSize
            case badGeometry, truncated, labelMismatch, invalidArgument, invalidRouteTable, routeBusy, readerActive
            case corruptRoutePage
        }
        fileprivate let raw: Raw
        public var description: String { raw.rawValue }

        /// A system call failed; `errno` and `call` say which and why.
        public static let systemCall = Code(raw: .systemCall)
        /// The segment does not exist and the caller asked to attach only.
        public static let notFound = Code(raw: .notFound)
        /// The segment exists but its creator had not published it in time.
        public static let notReady = Code(raw: .notReady)
        /// The segment is not a Canary segment of the expected kind (magic).
        public static let foreignSegment = Code(raw: .foreignSegment)
        /// The segment uses another layout version.
        public static let layoutVersion = Code(raw: .layoutVersion)
        /// The segment's record size differs from this build's.
        public static let recordSize = Code(raw: .recordSize)
        /// Capacity or header size is nonsense.
        public static let badGeometry = Code(raw: .badGeometry)
        /// The segment is smaller than its header says.
        public static let truncated = Code(raw: .truncated)
        /// The segment belongs to another model or version.
        public static let labelMismatch = Code(raw: .labelMismatch)
        /// An argument (name, capacity, label) was rejected before any call.
        public static let invalidArgument = Code(raw: .invalidArgument)
        /// A route table was rejected (weights, labels, entry count).
        public static let invalidRouteTable = Code(raw: .invalidRouteTable)
        /// Another reader (agent) is already draining this ring.
        public static let readerActive = Code(raw: .readerActive)
        /// The route page stayed mid-write (a writer died?); keep the last table.
        public static let routeBusy = Code(raw: .routeBusy)
        /// The route page holds words no writer produces (count, weights,
        /// labels, header): refused; readers keep the last good table.
        public static let corruptRoutePage = Code(raw: .corruptRoutePage)
    }

    public var code: Code
    /// The segment name, e.g. `/canary.fraud.r1`.
    public var segment: String
    /// The C call that failed (`shm_open`, `mmap`, …), if one did.
    public var call: String?
    /// The `errno` it failed with, if any.
    public var errno: Int32?
    /// What went wrong and what to do, in words.
    public var detail: String

    public init(_ code: Code, segment: String, call: String? = nil, errno: Int32? = nil, detail: String) {
        self.code = code
        self.segment = segment
        self.call = call
        self.errno = errno
        self.detail = detail
    }

    public var description: String {
        var text = "shared memory segment '\(segment)': \(detail)"
        if let call, let errno {
            text += " (\(call): \(String(cString: strerror(errno))), errno \(errno))"
        }
        return text
    }
}
