/// How long an HTTP connection may take over each part of a request and how
/// many may be open at once: what keeps a few slow or silent clients
/// (slowloris) from holding every connection and file descriptor.
///
/// - `headerTimeout`: from the connection's accept (or the first byte of a
///   next request on a kept-alive connection) until the request head is
///   complete.
/// - `bodyTimeout`: from the head until the body's last byte.
/// - `idleTimeout`: a kept-alive connection with no request in progress and
///   no byte of a next one.
/// - While a response is being written (a long-running server-sent event
///   stream included) no timeout runs: the handler owns the connection.
/// - `maxConnections` counts every open connection, streams included; see
///   ``ConnectionGate`` for what happens beyond it.
public struct ConnectionPolicy: Sendable, Equatable {
    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var idleTimeout: Duration
    public var maxConnections: Int
    /// Sent as `Retry-After` (seconds) with a refusal.
    public var retryAfterSeconds: Int
    /// At most this many refused connections linger (output closed, input
    /// drained for up to a second so the client reads the 503 rather than a
    /// reset); beyond it a refused connection is closed once the 503 is written.
    public var maxLingeringRefusals: Int
    /// The JSON body of the 503 sent beyond the limit.
    public var refusalBody: String

    public init(headerTimeout: Duration = .seconds(10), bodyTimeout: Duration = .seconds(30),
                idleTimeout: Duration = .seconds(75), maxConnections: Int = 1_024, retryAfterSeconds: Int = 1,
                maxLingeringRefusals: Int = 64, refusalBody: String? = nil) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.retryAfterSeconds = retryAfterSeconds
        self.maxLingeringRefusals = maxLingeringRefusals
        self.refusalBody = refusalBody ?? Self.defaultRefusalBody(maxConnections: maxConnections)
    }

    /// The error envelope (`{"error": {"code", "message", "details"}}`) the
    /// coordinator's API answers with, so the agent's listener says it the same way.
    public static func defaultRefusalBody(maxConnections: Int) -> String {
        #"{"error":{"code":"unavailable","details":[],"message":"too many open connections (the limit is \#(maxConnections), each request in progress or event stream holds one): retry later"}}"#
    }

    /// The connection limit this process can honour: `maxConnections`, but
    /// never more than half the file descriptors it may open (less what
    /// lingering refusals may hold), so that HTTP can never be what runs
    /// the process out of descriptors (the journal, ZeroMQ and libdispatch
    /// need theirs).
    public func effectiveMaxConnections(fileDescriptorLimit: UInt64) -> Int {
        let half = Int(clamping: fileDescriptorLimit / 2) - maxLingeringRefusals
        return max(8, min(maxConnections, half))
    }
}
