/// Why a multipart message could not be turned into a ``WireMessage``.
///
/// A struct with a nested `Code` rather than an enum, so that new causes do
/// not break callers that switch over the ones they know.
public struct WireError: Error, Equatable, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Hashable, Sendable {
            case frameCount = "frame_count"
            case kindFrameLength = "kind_frame_length"
            case badMagic = "bad_magic"
            case unsupportedVersion = "unsupported_version"
            case unknownKind = "unknown_kind"
            case oversizeBody = "oversize_body"
            case malformedBody = "malformed_body"
            case inconsistentBody = "inconsistent_body"
            case countOutOfRange = "count_out_of_range"
            case tooManyEntries = "too_many_entries"
            case implausibleTime = "implausible_time"
            case implausibleSequence = "implausible_sequence"
        }
        fileprivate let base: Base

        /// A message with no kind frame, no body frame, or extra frames.
        public static let frameCount = Code(base: .frameCount)
        /// A kind frame that is not exactly 4 bytes.
        public static let kindFrameLength = Code(base: .kindFrameLength)
        /// A kind frame that does not start with "CY".
        public static let badMagic = Code(base: .badMagic)
        /// A protocol version this build does not speak.
        public static let unsupportedVersion = Code(base: .unsupportedVersion)
        /// A message kind this build does not know.
        public static let unknownKind = Code(base: .unknownKind)
        /// A body larger than ``WireFormat/maxBodyBytes``.
        public static let oversizeBody = Code(base: .oversizeBody)
        /// A body that is not valid protobuf for its kind (truncated, garbage).
        public static let malformedBody = Code(base: .malformedBody)
        /// A body that decodes but contradicts itself (e.g. histogram arrays of
        /// different lengths); raised by the conversions to CanaryCore.
        public static let inconsistentBody = Code(base: .inconsistentBody)
        /// A count over 2⁵³ (what histograms and the JSON carry exactly), or
        /// counts whose sum would be (`WindowBounds`).
        public static let countOutOfRange = Code(base: .countOutOfRange)
        /// More latency buckets, prediction classes, score bins or identity
        /// bytes than the fleet's limits allow.
        public static let tooManyEntries = Code(base: .tooManyEntries)
        /// An interval that ends before it starts, is longer than a window may
        /// be, lies far in the future or long before the agent's first contact.
        public static let implausibleTime = Code(base: .implausibleTime)
        /// A sequence ≥ 2⁶³, or far beyond the agent's last counted one.
        public static let implausibleSequence = Code(base: .implausibleSequence)

        /// A stable, machine-readable name, used as a metrics label and in `Reject.reason`.
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// A sentence naming the cause, for logs and `Reject.message`.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
