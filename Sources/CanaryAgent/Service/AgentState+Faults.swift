import CanaryAPI
import CanaryShm

/// What the agent found wrong with the segments it owns, and the health
/// that follows from it.
extension AgentState {
    /// A fault the ring drain found; returns true when it deserves a log
    /// line (new, or another cause than the one logged last). A header that
    /// stays broken is one fault until it is back.
    func ringFault(_ fault: ShmProblem, stopsReading: Bool, nowMs: Int64) -> Bool {
        let text = fault.description
        let repeated = stopsReading && health.ringHeaderBroken && health.ringFault == text
        health.ringHeaderBroken = stopsReading
        health.ringFaultAtMs = nowMs
        if repeated { return false }
        health.ringFaults += 1
        health.ringFault = text
        return true
    }

    /// A drain that found the ring sane; returns true when that ends a
    /// broken header (worth a log line).
    func ringSane() -> Bool {
        defer { health.ringHeaderBroken = false }
        return health.ringHeaderBroken
    }

    func routePageRestored(_ reason: String) {
        health.routePageRestores += 1
        health.routePageFault = reason
        routePageUnrestorable = nil
    }

    func routePageUnrestorable(_ reason: String?) {
        routePageUnrestorable = reason
        if let reason { health.routePageFault = reason }
    }

    /// The coordinator refused this agent as a duplicate; true when that is
    /// news (worth one log line, not one per heartbeat).
    func refusedAsDuplicate(_ message: String) -> Bool {
        defer { duplicateRefusal = message }
        return duplicateRefusal == nil
    }

    /// A heartbeat was acked: the coordinator accepts this agent; true when
    /// that ends a duplicate refusal.
    func acceptedAgain() -> Bool {
        defer { duplicateRefusal = nil }
        return duplicateRefusal != nil
    }

    /// The health with `healthy` and `unhealthyReason` evaluated now.
    func currentHealth(nowMs: Int64) -> AgentHealth {
        var reasons: [String] = []
        if let at = health.ringFaultAtMs, let fault = health.ringFault, health.ringHeaderBroken || nowMs - at < ringFaultHoldMs {
            let when = health.ringHeaderBroken ? "nothing is read until it is back" : "recovered, \(max(0, nowMs - at) / 1000) s ago"
            reasons.append("sample ring corrupt (\(health.ringFaults) fault\(health.ringFaults == 1 ? "" : "s")): \(fault); \(when)")
        }
        if let page = routePageUnrestorable {
            reasons.append("route page corrupt and no table to restore it with yet: \(page)")
        }
        if let duplicate = duplicateRefusal {
            reasons.append("the coordinator refuses this agent (its windows are not counted): \(duplicate)")
        }
        if let spool = spoolFault {
            reasons.append("unacked windows are not spooled (an agent restart would lose them): \(spool)")
        }
        var h = health
        h.spoolFault = spoolFault
        h.healthy = reasons.isEmpty
        h.unhealthyReason = reasons.isEmpty ? nil : reasons.joined(separator: "; ")
        return h
    }
}
