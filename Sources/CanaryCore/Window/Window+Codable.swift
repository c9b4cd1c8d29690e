/// Windows are journaled as JSON inside rollout machines; a journal written
/// before a field existed must still load, so fields added later decode as
/// zero or false when absent (`unmatchedCount`, `control`), and every other field is required.
extension Window: Codable {
    private enum CodingKeys: String, CodingKey {
        case agentID, agentEpoch, sequence, model, version, startMs, endMs, requestCount, statuses, latency
        case labeledCount, correctCount, predictionCounts, scores, ringLost, ringOverrun, unmatchedCount, control
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            agentID: try c.decode(String.self, forKey: .agentID),
            agentEpoch: try c.decode(UInt64.self, forKey: .agentEpoch),
            sequence: try c.decode(UInt64.self, forKey: .sequence),
            model: try c.decode(String.self, forKey: .model),
            version: try c.decode(String.self, forKey: .version),
            startMs: try c.decode(Int64.self, forKey: .startMs),
            endMs: try c.decode(Int64.self, forKey: .endMs),
            requestCount: try c.decode(UInt64.self, forKey: .requestCount),
            statuses: try c.decode(StatusCounts.self, forKey: .statuses),
            latency: try c.decode(LatencyHistogram.self, forKey: .latency),
            labeledCount: try c.decode(UInt64.self, forKey: .labeledCount),
            correctCount: try c.decode(UInt64.self, forKey: .correctCount),
            predictionCounts: try c.decode([Int32: UInt64].self, forKey: .predictionCounts),
            scores: try c.decode(ScoreBins.self, forKey: .scores),
            ringLost: try c.decode(UInt64.self, forKey: .ringLost),
            ringOverrun: try c.decode(UInt64.self, forKey: .ringOverrun),
            unmatchedCount: try c.decodeIfPresent(UInt64.self, forKey: .unmatchedCount) ?? 0,
            control: try c.decodeIfPresent(Bool.self, forKey: .control) ?? false)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(agentID, forKey: .agentID)
        try c.encode(agentEpoch, forKey: .agentEpoch)
        try c.encode(sequence, forKey: .sequence)
        try c.encode(model, forKey: .model)
        try c.encode(version, forKey: .version)
        try c.encode(startMs, forKey: .startMs)
        try c.encode(endMs, forKey: .endMs)
        try c.encode(requestCount, forKey: .requestCount)
        try c.encode(statuses, forKey: .statuses)
        try c.encode(latency, forKey: .latency)
        try c.encode(labeledCount, forKey: .labeledCount)
        try c.encode(correctCount, forKey: .correctCount)
        try c.encode(predictionCounts, forKey: .predictionCounts)
        try c.encode(scores, forKey: .scores)
        try c.encode(ringLost, forKey: .ringLost)
        try c.encode(ringOverrun, forKey: .ringOverrun)
        try c.encode(unmatchedCount, forKey: .unmatchedCount)
        try c.encode(control, forKey: .control)
    }
}
