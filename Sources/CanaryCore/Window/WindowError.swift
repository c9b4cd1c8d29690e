/// Why two windows (or a histogram import) were refused. A struct with a
/// nested code that is itself a struct, not a public enum, so new codes can
/// be added without breaking a caller's exhaustive `switch`.
public struct WindowError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name, as counted and reported (`invalid_histogram_bucket`…).
        public let rawValue: String
        private init(_ rawValue: String) { self.rawValue = rawValue }

        public static let invalidHistogramSettings = Code("invalidHistogramSettings")
        public static let histogramSettingsMismatch = Code("histogramSettingsMismatch")
        public static let scoreEdgesMismatch = Code("scoreEdgesMismatch")
        public static let identityMismatch = Code("identityMismatch")
        public static let invalidHistogramBucket = Code("invalidHistogramBucket")
        public static let invalidScoreBins = Code("invalidScoreBins")
        /// A count (or a merge's) over ``WindowBounds/maxCount``.
        public static let countOverflow = Code("countOverflow")
        /// More prediction classes than a window or a merge may hold.
        public static let tooManyClasses = Code("tooManyClasses")

        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
