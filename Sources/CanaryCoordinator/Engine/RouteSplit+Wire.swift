import CanaryCore
import CanaryWire

/// The edge between the coordinator's route tables and their protobuf form:
/// what agents receive, and the JSON the journal's `route` table has always
/// stored (protobuf JSON of `Canary_V1_RouteTable`, so journals written
/// before the domain value existed still restore).
extension Canary_V1_RouteTable {
    init(_ split: RouteSplit) {
        self.init()
        model = split.model
        epoch = split.epoch
        incarnation = split.incarnation
        sequence = split.sequence
        phase = Self.wirePhase(split.phase)
        rolloutID = split.rolloutID
        weights = split.weights.map { weight in
            var entry = Canary_V1_RouteWeight()
            entry.version = weight.version
            entry.weightPpm = weight.weightPPM
            entry.pool = weight.pool ?? ""
            return entry
        }
        publishedMs = split.publishedMs
    }

    static func wirePhase(_ phase: RolloutPhase) -> Canary_V1_RolloutPhase {
        switch phase {
        case .pending: .pending
        case .progressing: .progressing
        case .paused: .paused
        case .promoted: .promoted
        case .rolledBack: .rolledBack
        case .aborted: .aborted
        }
    }
}

extension RouteSplit {
    /// Nil for a phase the coordinator never writes (unspecified, steady).
    init?(_ table: Canary_V1_RouteTable) {
        let phase: RolloutPhase
        switch table.phase {
        case .pending: phase = .pending
        case .progressing: phase = .progressing
        case .paused: phase = .paused
        case .promoted: phase = .promoted
        case .rolledBack: phase = .rolledBack
        case .aborted: phase = .aborted
        case .unspecified, .steady, .UNRECOGNIZED: return nil
        }
        self.init(model: table.model, epoch: table.epoch, incarnation: table.incarnation, sequence: table.sequence, phase: phase,
                  rolloutID: table.rolloutID,
                  weights: table.weights.map { Weight(version: $0.version, weightPPM: $0.weightPpm, pool: $0.pool.isEmpty ? nil : $0.pool) },
                  publishedMs: table.publishedMs)
    }
}

extension RouteRecord {
    /// The journal row of a route table, in the stored protobuf-JSON format.
    init(_ split: RouteSplit, updatedMs: Int64) {
        self.init(model: split.model, sequence: Int64(split.sequence),
                  tableJSON: (try? Canary_V1_RouteTable(split).jsonString()) ?? "{}", updatedMs: updatedMs)
    }

    /// The stored table; nil when its JSON cannot be read.
    var split: RouteSplit? {
        (try? Canary_V1_RouteTable(jsonString: tableJSON)).flatMap(RouteSplit.init)
    }
}
