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
    /// The agent serves a control arm: its windows say so (``Window/control``).
    public let control: Bool
    public private(set) var nextSequence: UInt64
    /// Distinct prediction classes one window may count (the fleet's
    /// `limits.max_prediction_classes`): a ring writing thousands of class
    /// ids must not make a window the coordinator refuses whole.
    public let maxPredictionClasses: Int
    /// Samples whose class was left out because the window had
    /// `maxPredictionClasses` classes already (the sample itself counts).
    public private(set) var droppedPredictions: UInt64 = 0
    private var open: Window?
    private var pendingRingLost: UInt64 = 0
    private var pendingRingOverrun: UInt64 = 0

    public init(
        agentID: String, agentEpoch: UInt64 = 0, model: String, version: String, intervalMs: Int64 = 1000,
        settings: HistogramSettings = .fleetDefault, scoreEdges: [Float] = [], firstSequence: UInt64 = 1,
        maxPredictionClasses: Int = WindowBounds.fleetDefault.maxPredictionClasses, control: Bool = false
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
        self.control = control
        self.nextSequence = firstSequence
        self.maxPredictionClasses = max(1, maxPredictionClasses)
    }

    /// Samples with timestamps this far from the agent's clock are not
    /// believed (a corrupt or hostile ring): the coordinator would refuse
    /// the window they open. Future: 5 min; past: 24 h.
    public static let maxFutureSkewMs: Int64 = 300_000
    public static let maxPastMs: Int64 = 86_400_000

    /// Whether a sample's timestamp is plausible at `nowMs`.
    public static func isPlausible(_ sample: Sample, nowMs: Int64) -> Bool {
        let ms = sample.timestampNs / 1_000_000
        return ms <= nowMs &+ maxFutureSkewMs && ms >= nowMs &- maxPastMs
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
        var sample = sample
        if let predicted = sample.predictedClass, let current = open, current.predictionCounts[predicted] == nil,
           current.predictionCounts.count >= maxPredictionClasses {
            sample.predictedClass = nil
            droppedPredictions &+= 1
        }
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
        window.control = control
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
