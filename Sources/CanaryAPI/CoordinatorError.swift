/// A refused API request: the HTTP status it maps to and a sentence naming
/// the cause. On the wire it is the error envelope (``ErrorEnvelope``).
///
/// A struct with a nested `Code` struct rather than an enum, so that new
/// causes do not break callers that switch over the ones they know (the
/// swift-service-lifecycle `ServiceGroupError` pattern).
public struct CoordinatorError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable, machine-readable name sent as `error.code`.
        public let rawValue: String
        /// The HTTP status a response with this code carries.
        public let httpStatus: Int

        private init(_ rawValue: String, _ httpStatus: Int) {
            self.rawValue = rawValue
            self.httpStatus = httpStatus
        }

        /// A body or parameter that cannot be read (not JSON, out of range, too large).
        public static let badRequest = Code("bad_request", 400)
        /// A rollout plan that does not validate; `details` has every issue with its line.
        public static let invalidPlan = Code("invalid_plan", 400)
        /// No token, or the wrong one, on a call that needs it (mutating calls, and reads that reveal the fleet).
        public static let unauthorized = Code("unauthorized", 401)
        /// No such rollout (or path).
        public static let notFound = Code("not_found", 404)
        /// A method the path does not accept.
        public static let methodNotAllowed = Code("method_not_allowed", 405)
        /// The rollout's phase forbids the command, or the model already has an active rollout.
        public static let conflict = Code("conflict", 409)
        /// A plan whose baseline or canary no live agent serves (a typo, a
        /// model not deployed, agents still starting): its route table would
        /// send traffic to no replica. The message names what the fleet serves.
        public static let noLiveAgents = Code("no_live_agents", 409)
        /// A body larger than the route accepts.
        public static let payloadTooLarge = Code("payload_too_large", 413)
        /// A body in a media type the route does not read.
        public static let unsupportedMediaType = Code("unsupported_media_type", 415)
        /// The coordinator could not do what it should have (e.g. the journal failed).
        public static let internalError = Code("internal_error", 500)

        /// Every connection is busy (requests in progress, event streams): retry after `Retry-After` seconds.
        public static let unavailable = Code("unavailable", 503)
        /// The journal cannot commit (disk full, I/O error, read-only): nothing was
        /// changed; retry once `/healthz` is 200 again.
        public static let journalUnavailable = Code("journal_unavailable", 503)

        static let known: [Code] = [
            .badRequest, .invalidPlan, .unauthorized, .notFound, .methodNotAllowed, .conflict, .noLiveAgents,
            .payloadTooLarge, .unsupportedMediaType, .internalError, .unavailable,
            .journalUnavailable,
        ]

        /// The code a received `error.code` names; a name this build does not
        /// know (a newer coordinator) is kept, with the status it came with.
        public init(rawValue: String, httpStatus: Int) {
            self = Self.known.first { $0.rawValue == rawValue } ?? Code(rawValue, httpStatus)
        }

        public var description: String { rawValue }
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
