/// Aggregates one (model, version)'s samples into windows aligned on interval
/// boundaries (`floor(t / interval) * interval`), as the agent does per ring.
///
/// A sample whose timestamp lies past the open window closes it; a late sample
/// (earlier than the open window, e.g. an outcome label) is counted in the
/// open window — it still belongs to the version that served the request.
/// Intervals with no samples produce no window.
public struct WindowBuilder: Sendable {
    public let agentID: String
    public let agentEpoch: UInt64
    public let model: String
    public let version: String
    public let intervalMs: Int64
    public let settings: HistogramSettings
    public let scoreEdges: [Float]
    public private(set) var nextSequence: UInt64
    private var open: Window?
    private var pendingRingLost: UInt64 = 0
    private var pendingRingOverrun: UInt64 = 0

    public init(
        agentID: String, agentEpoch: UInt64 = 0, model: String, version: String, intervalMs: Int64 = 1000,
        settings: HistogramSettings = .fleetDefault, scoreEdges: [Float] = [], firstSequence: UInt64 = 1
    ) throws(WindowError) {
        try settings.validate()
        _ = try ScoreBins(edges: scoreEdges)
        self.agentID = agentID
        self.agentEpoch = agentEpoch
        self.model = model
        self.version = version
        self.intervalMs = max(1, intervalMs)
        self.settings = settings
        self.scoreEdges = scoreEdges
        self.nextSequence = firstSequence
    }

    private func boundary(_ ms: Int64) -> Int64 {
        let q = ms / intervalMs
        return (ms % intervalMs < 0 ? q - 1 : q) * intervalMs
    }

    /// Adds a sample; returns the window it closed, if any.
    public mutating func add(_ sample: Sample) -> [Window] {
        let ms = sample.timestampNs / 1_000_000
        var closed: [Window] = []
        if let current = open, ms >= current.endMs {
            closed.append(close())
        }
        if open == nil { open = makeWindow(startingAt: boundary(ms)) }
        open!.record(sample)
        return closed
    }

    /// Counts ring loss reported by the reader into the open (or next) window.
    public mutating func recordRingLoss(lost: UInt64, overrun: UInt64) {
        pendingRingLost &+= lost
        pendingRingOverrun &+= overrun
    }

    /// Closes the open window if its interval has ended by `nowMs` (a tick).
    public mutating func flush(nowMs: Int64) -> [Window] {
        guard let current = open, nowMs >= current.endMs else { return [] }
        return [close()]
    }

    /// Closes whatever is open (shutdown).
    public mutating func finish() -> [Window] {
        open == nil ? [] : [close()]
    }

    private func makeWindow(startingAt start: Int64) -> Window {
        // Settings and edges were validated in init.
        var window = try! Window.empty(
            model: model, version: version, agentID: agentID, startMs: start, endMs: start + intervalMs,
            settings: settings, scoreEdges: scoreEdges)
        window.agentEpoch = agentEpoch
        return window
    }

    private mutating func close() -> Window {
        var window = open!
        open = nil
        window.sequence = nextSequence
        nextSequence += 1
        window.ringLost &+= pendingRingLost
        window.ringOverrun &+= pendingRingOverrun
        pendingRingLost = 0
        pendingRingOverrun = 0
        return window
    }
}
