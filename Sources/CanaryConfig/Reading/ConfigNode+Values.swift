import CanaryShm

/// Values with a meaning beyond their type, checked the same way in every file.
extension ConfigNode {
    /// A POSIX shared-memory name, checked with the rule CanaryShm applies
    /// when it opens the segment (so a bad name fails at load, not later).
    /// `what` names a name derived from this value instead of the value.
    func segmentName(_ name: String, what: String? = nil) {
        guard let problem = SegmentName.problem(name) else { return }
        let subject = what.map { "\($0), '\(name)'," } ?? "it"
        fail("\(path) \(quoted) is not a usable shared-memory name: \(subject) \(problem)")
    }

    /// A ZeroMQ endpoint (`tcp://host:port`, `ipc://path`, `inproc://name`).
    public func endpoint() -> String? {
        guard let value = string() else { return nil }
        guard ["tcp://", "ipc://", "inproc://"].contains(where: value.hasPrefix) else {
            fail("\(path) \(quoted) must be a ZeroMQ endpoint (tcp://host:port, ipc://path)")
            return nil
        }
        return value
    }
}
