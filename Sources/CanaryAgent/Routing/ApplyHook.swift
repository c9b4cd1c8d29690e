import CanaryWire
import Foundation
import Logging

/// Tells an external router (nginx, Envoy, HAProxy …) about every split
/// change: writes a JSON file atomically (temp file + rename, so a reader
/// never sees half of it) and/or runs a command with the weights in its
/// environment. Never blocks the agent: the command runs detached and its
/// exit status is logged.
public struct ApplyHook: Sendable {
    public let command: String?
    public let file: String?
    let logger: Logger

    public init(command: String?, file: String?, logger: Logger) {
        self.command = command
        self.file = file
        self.logger = logger
    }

    public var isEmpty: Bool { command == nil && file == nil }

    public func apply(_ table: Canary_V1_RouteTable) {
        if let file { write(table, to: file) }
        if let command { run(command, table) }
    }

    /// `v2=50000,v1=950000` (route order, ppm).
    public static func weightsText(_ table: Canary_V1_RouteTable) -> String {
        table.weights.map { "\($0.routeLabel)=\($0.weightPpm)" }.joined(separator: ",")
    }

    public static func json(_ table: Canary_V1_RouteTable) -> String {
        struct Body: Encodable {
            let model: String
            let epoch: UInt64
            let sequence: UInt64
            let phase: String
            let rolloutID: String
            let weightsPPM: [String: UInt32]
            let order: [String]
            /// The version each route label runs (a control's label runs the baseline).
            let versions: [String: String]
        }
        let body = Body(model: table.model, epoch: table.epoch, sequence: table.sequence, phase: table.phase.name,
                        rolloutID: table.rolloutID,
                        weightsPPM: Dictionary(table.weights.map { ($0.routeLabel, $0.weightPpm) }, uniquingKeysWith: { $1 }),
                        order: table.weights.map(\.routeLabel),
                        versions: Dictionary(table.weights.map { ($0.routeLabel, $0.version) }, uniquingKeysWith: { $1 }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    func write(_ table: Canary_V1_RouteTable, to path: String) {
        let temporary = path + ".tmp-\(getpid())"
        do {
            try Data((Self.json(table) + "\n").utf8).write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, path) != 0 {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                logger.error("apply hook: cannot rename \(temporary) to \(path): \(reason)")
            }
        } catch {
            logger.error("apply hook: cannot write \(temporary): \(error)")
        }
    }

    func run(_ command: String, _ table: Canary_V1_RouteTable) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        var environment = ProcessInfo.processInfo.environment
        environment["CANARY_MODEL"] = table.model
        environment["CANARY_WEIGHTS"] = Self.weightsText(table)
        environment["CANARY_PHASE"] = table.phase.name
        environment["CANARY_SEQUENCE"] = String(table.sequence)
        environment["CANARY_ROLLOUT_ID"] = table.rolloutID
        environment["CANARY_ROUTE_JSON"] = Self.json(table)
        process.environment = environment
        let logger = self.logger
        process.terminationHandler = { finished in
            if finished.terminationStatus != 0 {
                logger.error("apply hook '\(command)' exited with status \(finished.terminationStatus)")
            }
        }
        do {
            try process.run()
        } catch {
            logger.error("apply hook: cannot run '\(command)': \(error)")
        }
    }
}
