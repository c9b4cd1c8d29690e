/// What a scenario must end in: the demo reports it, the tests assert it.
public struct Expectation: Codable, Sendable, Hashable {
    /// promoted | rolled_back
    public var outcome: String
    /// The guard that must trip (regressions), if any.
    public var guardName: String?

    enum CodingKeys: String, CodingKey { case outcome, guardName = "guard" }

    public init(outcome: String, guardName: String? = nil) {
        self.outcome = outcome
        self.guardName = guardName
    }
}
