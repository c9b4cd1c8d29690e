/// Every error the API answers, in one shape:
/// `{"error": {"code": "not_found", "message": "…", "details": ["…"]}}`.
public struct ErrorEnvelope: Codable, Sendable, Equatable {
    public struct Body: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var details: [String]

        public init(code: String, message: String, details: [String]) {
            self.code = code
            self.message = message
            self.details = details
        }
    }

    public var error: Body

    public init(_ error: CoordinatorError) {
        self.error = Body(code: error.code.rawValue, message: error.message, details: error.details)
    }

    /// The error this envelope describes, as received with `status`.
    public func coordinatorError(status: Int) -> CoordinatorError {
        CoordinatorError(.init(rawValue: error.code, httpStatus: status), error.message, details: error.details)
    }
}

extension ErrorEnvelope.Body {
    private enum CodingKeys: String, CodingKey { case code, message, details }

    /// Lenient on `details` and `code`: older coordinators sent neither always.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decodeIfPresent(String.self, forKey: .code) ?? ""
        message = try container.decode(String.self, forKey: .message)
        details = try container.decodeIfPresent([String].self, forKey: .details) ?? []
    }
}
