/// Why a call through ``CoordinatorAPIClient`` failed. Callers decide what
/// it means to them (the CLI's exit statuses, a test's failure) from `code`
/// and, when the coordinator answered, its `status` and `apiError`.
public struct APIClientError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// No answer: connection refused, unknown host, timeout.
        public static let unreachable = Code("unreachable")
        /// An answer with a 4xx status: the request itself was refused.
        public static let refused = Code("refused")
        /// An answer with another non-2xx status (5xx, a proxy's 3xx, …).
        public static let serverError = Code("server_error")
        /// A 2xx answer whose body is not the JSON this build expects.
        public static let undecodable = Code("undecodable")

        public var description: String { name }
    }

    public let code: Code
    /// A sentence naming the cause: the coordinator's own message when it
    /// sent the error envelope, else what went wrong on the way.
    public let message: String
    /// The HTTP status, when the coordinator answered.
    public let status: Int?
    /// The coordinator's error envelope, when it sent one.
    public let apiError: CoordinatorError?

    public init(_ code: Code, _ message: String, status: Int? = nil, apiError: CoordinatorError? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.apiError = apiError
    }

    /// Extra lines of the envelope (every issue of a refused plan).
    public var details: [String] { apiError?.details ?? [] }

    public var description: String { "\(code): \(message)" }
}
