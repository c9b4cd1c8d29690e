import Foundation

/// What the simulator reports to `canary demo` (a JSON file, replaced
/// atomically): samples written per version, and when each fault began.
public struct SimulatorStatus: Codable, Sendable, Equatable {
    /// Inference samples written into the rings, per version.
    public var written: [String: UInt64] = [:]
    /// Requests routed per version (a stalled replica's are not written).
    public var routed: [String: UInt64] = [:]
    /// Labels delivered per version, and how many said "correct".
    public var labeled: [String: UInt64] = [:]
    public var correct: [String: UInt64] = [:]
    /// Wall time (ms since 1970) each fault took effect, by fault name.
    public var faultOnsetMs: [String: Int64] = [:]
    /// The canary's weight on the route pages as last read.
    public var canaryPPM: UInt32 = 0
    /// Wall time (ms) each step of the plan (0-based) was first seen on the
    /// route pages: the one "step reached" that faults and actions share.
    public var stepReachedMs: [Int: Int64] = [:]
    public var updatedMs: Int64 = 0
    /// True once the simulator stopped and the counts are final.
    public var final: Bool = false

    public init() {}

    public func write(to path: String) throws {
        let data = try JSONEncoder().encode(self)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func read(from path: String) -> SimulatorStatus? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(SimulatorStatus.self, from: data)
    }
}
