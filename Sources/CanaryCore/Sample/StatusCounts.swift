/// Request counts by status class. A struct rather than a dictionary so the
/// JSON journal and the wire message have one fixed, readable shape.
public struct StatusCounts: Sendable, Equatable, Hashable, Codable {
    public var ok: UInt64
    public var clientError: UInt64
    public var serverError: UInt64
    public var timeout: UInt64

    public init(ok: UInt64 = 0, clientError: UInt64 = 0, serverError: UInt64 = 0, timeout: UInt64 = 0) {
        self.ok = ok
        self.clientError = clientError
        self.serverError = serverError
        self.timeout = timeout
    }

    public subscript(status: StatusClass) -> UInt64 {
        get {
            switch status {
            case .ok: ok
            case .clientError: clientError
            case .serverError: serverError
            case .timeout: timeout
            }
        }
        set {
            switch status {
            case .ok: ok = newValue
            case .clientError: clientError = newValue
            case .serverError: serverError = newValue
            case .timeout: timeout = newValue
            }
        }
    }

    public var total: UInt64 { ok &+ clientError &+ serverError &+ timeout }

    /// Errors the model is accountable for (see `StatusClass`).
    public var modelErrors: UInt64 { serverError &+ timeout }

    public static func + (lhs: StatusCounts, rhs: StatusCounts) -> StatusCounts {
        StatusCounts(
            ok: lhs.ok &+ rhs.ok, clientError: lhs.clientError &+ rhs.clientError,
            serverError: lhs.serverError &+ rhs.serverError, timeout: lhs.timeout &+ rhs.timeout)
    }
}
