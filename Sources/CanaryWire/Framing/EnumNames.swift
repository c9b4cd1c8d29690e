/// Short lowercase names of wire enums, for logs, JSON and metrics labels.
extension Canary_V1_Role {
    public var name: String {
        switch self {
        case .unspecified, .UNRECOGNIZED: "unspecified"
        case .baseline: "baseline"
        case .canary: "canary"
        case .control: "control"
        }
    }

    public init(name: String) {
        switch name.lowercased() {
        case "baseline": self = .baseline
        case "canary": self = .canary
        case "control": self = .control
        default: self = .unspecified
        }
    }
}

extension Canary_V1_RolloutPhase {
    public var name: String {
        switch self {
        case .unspecified, .UNRECOGNIZED: "unspecified"
        case .pending: "pending"
        case .progressing: "progressing"
        case .paused: "paused"
        case .promoted: "promoted"
        case .rolledBack: "rolled_back"
        case .aborted: "aborted"
        case .steady: "steady"
        }
    }
}
