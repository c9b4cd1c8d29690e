import Foundation
import GRDB

/// One rollout as the journal keeps it: the plan it was started with and the
/// latest snapshot of its state machine (JSON of the CanaryCore value), so a
/// restarted coordinator resumes it exactly where it was.
public struct RolloutRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "rollout"
    public var id: String
    public var model: String
    public var baseline: String
    public var canary: String
    /// The plan as submitted (YAML), for audit and `GET /api/v1/rollouts/{id}`.
    public var planSource: String
    /// JSON of the state machine value.
    public var stateJSON: String
    /// Phase name, duplicated out of the state for cheap queries.
    public var phase: String
    /// True until the rollout reaches promoted, rolled back or aborted.
    public var active: Bool
    public var createdMs: Int64
    public var updatedMs: Int64
    /// JSON of the rollout as the API shows it (`RolloutView`), written with
    /// each snapshot: the read model lists rollouts from it without decoding
    /// `stateJSON`. Nil only in rows a journal before v3 had not yet backfilled.
    public var viewJSON: String?

    public init(id: String, model: String, baseline: String, canary: String, planSource: String,
                stateJSON: String, phase: String, active: Bool, createdMs: Int64, updatedMs: Int64,
                viewJSON: String? = nil) {
        self.id = id
        self.model = model
        self.baseline = baseline
        self.canary = canary
        self.planSource = planSource
        self.stateJSON = stateJSON
        self.phase = phase
        self.active = active
        self.createdMs = createdMs
        self.updatedMs = updatedMs
        self.viewJSON = viewJSON
    }
}

/// One event or decision of a rollout, with the evidence behind it (JSON).
/// Kinds: "decision" (the state machine acted), "command" (an operator
/// command, accepted or refused), "agent" (an agent went stale or live).
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "event"
    public var id: Int64?
    public var rolloutID: String?
    public var tMs: Int64
    public var kind: String
    /// Short machine-readable action, e.g. "advance", "rollback", "pause".
    public var action: String
    /// The sentence a person reads in the decision log.
    public var reason: String
    /// JSON: the weights, verdicts and numbers behind the event.
    public var payloadJSON: String
    /// A decision's time on the run clock (`tMs` is the wall clock's), the
    /// clock its machine decided on. Nil for other kinds and before v6.
    public var runMs: Int64?

    public init(id: Int64? = nil, rolloutID: String?, tMs: Int64, kind: String, action: String, reason: String, payloadJSON: String,
                runMs: Int64? = nil) {
        self.id = id
        self.runMs = runMs
        self.rolloutID = rolloutID
        self.tMs = tMs
        self.kind = kind
        self.action = action
        self.reason = reason
        self.payloadJSON = payloadJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}

/// Per-second, per-version aggregate kept for history charts.
public struct AggregateRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "aggregate"
    public var model: String
    public var version: String
    /// Unix time in whole seconds.
    public var second: Int64
    public var requests: Int64
    public var errors: Int64
    public var p50Us: Double
    public var p95Us: Double
    public var p99Us: Double
    public var labeled: Int64
    public var correct: Int64
    /// Outcomes no prediction matched (not part of `labeled`).
    public var unmatched: Int64
    public var ringLost: Int64

    public init(model: String, version: String, second: Int64, requests: Int64, errors: Int64,
                p50Us: Double, p95Us: Double, p99Us: Double, labeled: Int64, correct: Int64, unmatched: Int64, ringLost: Int64) {
        self.model = model
        self.version = version
        self.second = second
        self.requests = requests
        self.errors = errors
        self.p50Us = p50Us
        self.p95Us = p95Us
        self.p99Us = p99Us
        self.labeled = labeled
        self.correct = correct
        self.unmatched = unmatched
        self.ringLost = ringLost
    }
}

/// Which window sequences of one agent epoch have been counted, so a window
/// resent after a coordinator restart is acked but never counted twice.
public struct DedupeRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "dedupe"
    public var agentID: String
    public var agentEpoch: Int64
    /// Every sequence up to and including this one has been counted.
    public var contiguous: Int64
    /// JSON array of counted sequences above `contiguous` (out-of-order arrivals).
    public var aboveJSON: String
    public var updatedMs: Int64
    /// Set when the epoch said goodbye: the last sequence it sent (windows
    /// above it are refused, also after a restart). Column since v4.
    public var departedThrough: Int64?

    public init(agentID: String, agentEpoch: Int64, contiguous: Int64, aboveJSON: String, updatedMs: Int64, departedThrough: Int64? = nil) {
        self.agentID = agentID
        self.agentEpoch = agentEpoch
        self.contiguous = contiguous
        self.aboveJSON = aboveJSON
        self.updatedMs = updatedMs
        self.departedThrough = departedThrough
    }
}

/// The last route table published per model, so a restarted coordinator
/// continues the sequence instead of starting again at 1.
public struct RouteRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "route"
    public var model: String
    public var sequence: Int64
    /// JSON of the weights in route order.
    public var tableJSON: String
    public var updatedMs: Int64

    public init(model: String, sequence: Int64, tableJSON: String, updatedMs: Int64) {
        self.model = model
        self.sequence = sequence
        self.tableJSON = tableJSON
        self.updatedMs = updatedMs
    }
}

/// A window fed to a rollout after its last state snapshot (protobuf bytes
/// of the wire `Window`), replayed onto the snapshot by a restarted coordinator.
public struct WindowLogRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "window_log"
    public var id: Int64?
    public var rolloutID: String
    public var receivedMs: Int64
    public var body: Data

    public init(id: Int64? = nil, rolloutID: String, receivedMs: Int64, body: Data) {
        self.id = id
        self.rolloutID = rolloutID
        self.receivedMs = receivedMs
        self.body = body
    }
}
