/// Why two windows (or a histogram import) were refused. A struct with a
/// nested code, so new cases do not break callers.
public struct WindowError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, Codable {
        case invalidHistogramSettings
        case histogramSettingsMismatch
        case scoreEdgesMismatch
        case identityMismatch
        case invalidHistogramBucket
        case invalidScoreBins
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
