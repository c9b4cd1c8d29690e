import Foundation

/// `canary demo --measure N`: the medians over N runs of the time from fault
/// onset to the rollback decision, and to the last route page at 0 % canary.
struct DemoMeasurement {
    let summaries: [DemoSummary]

    var report: String {
        let decision = summaries.compactMap { s in s.decisionMs.flatMap { d in s.faultOnsetMs.map { d - $0 } } }
        let routed = summaries.compactMap { s in s.lastRouteZeroMs.flatMap { z in s.faultOnsetMs.map { z - $0 } } }
        var lines = ["scenario \(summaries.first?.scenario ?? "?") × \(summaries.count) at speed \(summaries.first?.speed ?? 1)×:"]
        lines.append("  outcomes: " + summaries.map(\.outcome).joined(separator: ", "))
        lines.append("  fault onset → rollback decision:      " + Self.describe(decision))
        lines.append("  fault onset → last route page at 0 %: " + Self.describe(routed))
        return lines.joined(separator: "\n")
    }

    static func describe(_ values: [Int64]) -> String {
        guard !values.isEmpty else { return "n/a" }
        let sorted = values.sorted()
        let median = sorted.count % 2 == 1 ? Double(sorted[sorted.count / 2])
            : Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return String(format: "median %.2f s", median / 1_000)
            + " (runs: " + sorted.map { String(format: "%.2f", Double($0) / 1_000) }.joined(separator: ", ") + " s)"
    }
}
