import CanaryCore
import CanaryWire
import Foundation
import GRDB

/// One event a rollout's machine handled, journaled for good (migration v6)
/// so the rollout can be replayed through another plan (`canary replay
/// --journal`): the machine is pure, so the same events in the same order
/// give the same decisions. Times are the run clock's, as the machine got them.
///
/// Kinds and bodies: `start` (empty), `window` (protobuf of the wire
/// `Window`, as counted), `ticks` (JSON array of run-clock steps in ms: the
/// first tick at `runMs`, each next one that much later — ticks come every
/// 20 ms, one row per commit keeps them small), `command` (JSON of the
/// `OperatorCommand`), `stale_agents` (JSON array of agent ids) and
/// `time_left_out` (JSON `{"stopped_ms","down_ms"}`).
public struct RolloutInputRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "rollout_input"
    public var id: Int64?
    public var rolloutID: String
    public var runMs: Int64
    /// The wall clock at the same moment, for the people reading a replay.
    public var wallMs: Int64
    public var kind: String
    public var body: Data

    public init(id: Int64? = nil, rolloutID: String, runMs: Int64, wallMs: Int64, kind: String, body: Data) {
        self.id = id
        self.rolloutID = rolloutID
        self.runMs = runMs
        self.wallMs = wallMs
        self.kind = kind
        self.body = body
    }

    private struct LeftOut: Codable {
        var stoppedMs: Int64
        var downMs: Int64
        enum CodingKeys: String, CodingKey { case stoppedMs = "stopped_ms", downMs = "down_ms" }
    }

    /// The rows for what one rollout's machine handled, in order: each run
    /// of consecutive ticks becomes one `ticks` row.
    static func records(rolloutID: String, inputs: [(event: RolloutEvent, wallMs: Int64)]) -> [RolloutInputRecord] {
        var rows: [RolloutInputRecord] = []
        var ticks: (first: Int64, wallMs: Int64, steps: [Int64], last: Int64)?
        func flushTicks() {
            guard let run = ticks else { return }
            rows.append(RolloutInputRecord(rolloutID: rolloutID, runMs: run.first, wallMs: run.wallMs, kind: "ticks",
                                           body: Data(CoordinatorEngine.json(run.steps).utf8)))
            ticks = nil
        }
        for (event, wallMs) in inputs {
            if case .tick(let t) = event {
                if let last = ticks?.last {
                    ticks?.steps.append(t - last)
                    ticks?.last = t
                } else {
                    ticks = (t, wallMs, [0], t)
                }
                continue
            }
            flushTicks()
            let row: (kind: String, runMs: Int64, body: Data)? = switch event {
            case .start(let t): ("start", t, Data())
            case .window(let window, let t): ("window", t, Data((try? Canary_V1_Window(window).serializedBytes() as [UInt8]) ?? []))
            case .command(let command, let t): ("command", t, Data(CoordinatorEngine.json(command).utf8))
            case .staleAgents(let ids, let t): ("stale_agents", t, Data(CoordinatorEngine.json(ids).utf8))
            case .timeLeftOut(let stopped, let down, let t):
                ("time_left_out", t, Data(CoordinatorEngine.json(LeftOut(stoppedMs: stopped, downMs: down)).utf8))
            case .reference(let reference, let t): ("reference", t, Data(CoordinatorEngine.json(reference).utf8))
            case .tick: nil
            }
            if let row { rows.append(RolloutInputRecord(rolloutID: rolloutID, runMs: row.runMs, wallMs: wallMs, kind: row.kind, body: row.body)) }
        }
        flushTicks()
        return rows
    }

    /// Why a row cannot be read back.
    public struct Unreadable: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    /// The events this row stands for (a `ticks` row: every tick in it).
    public func events(bounds: WindowBounds = .fleetDefault) throws(Unreadable) -> [RolloutEvent] {
        let decoder = JSONDecoder()
        do {
            switch kind {
            case "start": return [.start(at: runMs)]
            case "window":
                let window = try Window(wire: Canary_V1_Window(serializedBytes: [UInt8](body)), bounds: bounds)
                return [.window(window, receivedAt: runMs)]
            case "ticks":
                var t = runMs
                return try decoder.decode([Int64].self, from: body).map { step in
                    t += step
                    return .tick(t)
                }
            case "command": return [.command(try decoder.decode(OperatorCommand.self, from: body), at: runMs)]
            case "stale_agents": return [.staleAgents(try decoder.decode([String].self, from: body), at: runMs)]
            case "reference": return [.reference(try decoder.decode(BaselineReference.self, from: body), at: runMs)]
            case "time_left_out":
                let left = try decoder.decode(LeftOut.self, from: body)
                return [.timeLeftOut(stoppedMs: left.stoppedMs, downMs: left.downMs, at: runMs)]
            default:
                throw Unreadable(description: "input #\(id ?? 0) of rollout \(rolloutID) has the unknown kind '\(kind)' (a newer coordinator wrote it?)")
            }
        } catch let error as Unreadable {
            throw error
        } catch {
            throw Unreadable(description: "input #\(id ?? 0) (\(kind)) of rollout \(rolloutID) does not decode: \(error)")
        }
    }
}
