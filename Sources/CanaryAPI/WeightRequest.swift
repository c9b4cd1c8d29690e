/// `PUT /api/v1/rollouts/{id}/weight`: the canary's share, either exactly in
/// parts per million (`{"weight_ppm": 50000}`) or in percent (`{"percent": 5}`).
/// `weight_ppm` wins when both are sent.
public struct WeightRequest: Codable, Sendable, Equatable {
    public var weightPPM: UInt32?
    public var percent: Double?

    public init(weightPPM: UInt32) {
        self.weightPPM = weightPPM
    }

    public init(percent: Double) {
        self.percent = percent
    }

    private enum CodingKeys: String, CodingKey {
        case weightPPM = "weight_ppm"
        case percent
    }
}
