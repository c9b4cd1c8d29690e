/// A refused API request: the HTTP status it maps to and a sentence naming
/// the cause. A struct with a nested code so new cases do not break callers.
public struct CoordinatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case badRequest = "bad_request"
        case invalidPlan = "invalid_plan"
        case notFound = "not_found"
        case conflict
        case unauthorized
        case internalError = "internal_error"

        public var httpStatus: Int {
            switch self {
            case .badRequest, .invalidPlan: 400
            case .unauthorized: 401
            case .notFound: 404
            case .conflict: 409
            case .internalError: 500
            }
        }
    }

    public let code: Code
    public let message: String
    /// Extra lines, e.g. every issue of a refused plan with its line number.
    public let details: [String]

    public init(_ code: Code, _ message: String, details: [String] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
