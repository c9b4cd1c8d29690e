// fan-in-bench: N simulated agents (DEALER sockets in this process, a few
// threads of ~1 000) send 1 s windows to one `canary coordinator` run as a
// subprocess. Reports windows/s sustained (acks received per second) against
// the ideal of N/s, the coordinator's CPU share and RSS, and the time from a
// window's send to the route table it causes reaching a SUB socket. Each
// agent count runs twice, plain text and CURVE (every socket encrypted and
// authenticated, the ZAP allow-list on), and prints the ratio.
//
// Run: swift build -c release --product canary && swift run -c release fanin-bench [--agents 100,1000,5000] [--curve both|on|off]
import Foundation
import Synchronization

struct Options {
    var agents = [100, 1_000, 5_000]
    var measureSeconds = 8.0
    var trials = 5
    var canary: URL?
    /// Measure throughput with no rollout running (no judging per window).
    var withoutRollout = false
    /// Which transports to measure: plain text, CURVE, or both side by side.
    var curveModes = [false, true]

    static func parse(_ arguments: [String]) -> Options {
        var options = Options()
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--agents":
                options.agents = (iterator.next() ?? "").split(separator: ",").compactMap { Int($0.replacingOccurrences(of: "_", with: "")) }
            case "--seconds": options.measureSeconds = Double(iterator.next() ?? "") ?? options.measureSeconds
            case "--trials": options.trials = Int(iterator.next() ?? "") ?? options.trials
            case "--canary": options.canary = iterator.next().map { URL(fileURLWithPath: $0) }
            case "--without-rollout": options.withoutRollout = true
            case "--curve":
                switch iterator.next() {
                case "on": options.curveModes = [true]
                case "off": options.curveModes = [false]
                default: options.curveModes = [false, true]
                }
            default:
                print("usage: fanin-bench [--agents 100,1000,5000] [--seconds 8] [--trials 5] [--canary PATH] [--without-rollout] [--curve both|on|off]")
                exit(2)
            }
        }
        return options
    }
}

struct Row {
    let agents: Int
    var curve = false
    var windowsPerSecond = 0.0
    var dropped: UInt64 = 0
    var cpuPercent = 0.0
    var rssMiB = 0.0
    var latencies: [Double] = []
    var note: String?
}

/// Runs `body` on a new OS thread: zmq calls stay off the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

func quantile(_ values: [Double], _ q: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
}

func measure(agents: Int, curve: Bool, executable: URL, options: Options) async throws -> Row {
    var row = Row(agents: agents, curve: curve)
    let coordinator = try CoordinatorProcess(executable: executable, curve: curve, agents: agents)
    defer { coordinator.stop() }
    try await coordinator.waitUntilReady()

    let perGroup = 1_000
    let groups = stride(from: 0, to: agents, by: perGroup).map { first in
        AgentGroup(agentIDs: (first..<min(agents, first + perGroup)).map { "agent-\($0)" }, router: coordinator.routerEndpoint,
                   keys: coordinator.keys)
    }
    for group in groups { group.start() }
    defer { for group in groups { group.stop() } }
    while !groups.allSatisfy({ $0.connected.load(ordering: .relaxed) }) {
        if let error = groups.compactMap(\.error).first { throw BenchError(error) }
        try await Task.sleep(for: .milliseconds(50))
    }
    // Warm-up: every agent has sent a few windows, the rollout has some data.
    let id = options.withoutRollout ? nil : try await coordinator.startRollout(plan: RouteProbe.plan)
    try await Task.sleep(for: .seconds(3))
    // Measure the steady state only: windows queued while the connections
    // were still being set up (CURVE handshakes take a while for thousands)
    // are acked in a burst first, which would count above the ideal.
    let settleDeadline = monotonicNanos() + 20_000_000_000
    while monotonicNanos() < settleDeadline {
        let sent = groups.reduce(0) { $0 + $1.sent.load(ordering: .relaxed) }
        let acked = groups.reduce(0) { $0 + $1.acks.load(ordering: .relaxed) }
        if sent <= acked + UInt64(agents) { break }
        try await Task.sleep(for: .milliseconds(100))
    }

    let stats = coordinator.stats
    let acks0 = groups.reduce(0) { $0 + $1.acks.load(ordering: .relaxed) }
    let dropped0 = groups.reduce(0) { $0 + $1.dropped.load(ordering: .relaxed) }
    let cpu0 = stats.cpuSeconds() ?? 0
    let t0 = monotonicNanos()
    try await Task.sleep(for: .seconds(options.measureSeconds))
    let elapsed = Double(monotonicNanos() - t0) / 1e9
    let acks1 = groups.reduce(0) { $0 + $1.acks.load(ordering: .relaxed) }
    let cpu1 = stats.cpuSeconds() ?? 0
    row.windowsPerSecond = Double(acks1 - acks0) / elapsed
    row.dropped = groups.reduce(0) { $0 + $1.dropped.load(ordering: .relaxed) } - dropped0
    row.cpuPercent = (cpu1 - cpu0) / elapsed * 100
    row.rssMiB = stats.residentMiB() ?? .nan
    if let error = groups.compactMap(\.error).first { throw BenchError(error) }
    print("  \(agents) agents: \(format(row.windowsPerSecond)) acks/s, \(groups.reduce(0) { $0 + $1.sent.load(ordering: .relaxed) }) windows sent, \(acks1) acked in all; probing")

    // The first rollout must end before the probe starts its own.
    if let id { _ = try await coordinator.http("POST", "/api/v1/rollouts/\(id)/abort") }
    let probe = RouteProbe(router: coordinator.routerEndpoint, publisher: coordinator.publisherEndpoint, httpURL: coordinator.httpURL,
                           keys: coordinator.keys)
    let trials = options.trials
    do {
        row.latencies = try await onThread { try probe.run(trials: trials) }
    } catch {
        let log = (try? String(contentsOfFile: coordinator.logPath, encoding: .utf8)) ?? ""
        let excerpt = log.split(separator: "\n").filter { !$0.contains("is live again") && !$0.contains("said hello") && !$0.contains("is stale") }
        if !excerpt.isEmpty { print("coordinator log (excerpt):\n" + excerpt.suffix(10).joined(separator: "\n")) }
        // Throughput, CPU and memory were measured: keep them.
        row.note = "latency probe failed: \(error)"
    }
    return row
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : "–"
}

let options = Options.parse(CommandLine.arguments)
let limit = raiseFileLimit()
let executable = options.canary
    ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("canary")
guard FileManager.default.isExecutableFile(atPath: executable.path) else {
    print("fanin-bench: no canary executable at \(executable.path); build it first (swift build -c release --product canary) or pass --canary PATH")
    exit(1)
}
print("fan-in: \(options.agents.map(String.init).joined(separator: ", ")) agents, 1 s windows, \(Int(options.measureSeconds)) s measured each; coordinator \(executable.path)")
print("open files: soft limit \(limit.soft), hard \(limit.hard); \(ProcessInfo.processInfo.activeProcessorCount) CPUs")

var rows: [Row] = []
for agents in options.agents {
    // Each agent needs ~2 descriptors here (connection + mailbox eventfd),
    // and the coordinator one per connection, under the same limit.
    let needed = UInt64(agents) * 2 + 200
    if needed > limit.soft {
        var row = Row(agents: agents)
        row.note = "skipped: needs ~\(needed) open files, the limit is \(limit.soft) (raise the hard limit: ulimit -Hn)"
        rows.append(row)
        print(row.note!)
        continue
    }
    for curve in options.curveModes {
        let mode = curve ? "CURVE" : "plain"
        do {
            let row = try await measure(agents: agents, curve: curve, executable: executable, options: options)
            rows.append(row)
            print("\(agents) agents, \(mode): \(format(row.windowsPerSecond)) windows/s, CPU \(format(row.cpuPercent)) %, RSS \(format(row.rssMiB)) MiB, route latency p50 \(format(quantile(row.latencies, 0.5), 2)) ms")
        } catch {
            var row = Row(agents: agents, curve: curve)
            row.note = "failed: \(error)"
            rows.append(row)
            print("\(agents) agents, \(mode): \(row.note!)")
        }
    }
}

print("")
print("| agents | wire | ideal windows/s | sustained windows/s | ratio | send queue drops | coordinator CPU (% of a core) | RSS MiB | window → route table p50 | p99 | trials |")
print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for row in rows {
    let wire = row.curve ? "CURVE" : "plain"
    if let note = row.note, row.windowsPerSecond == 0 {
        print("| \(row.agents) | \(wire) | \(row.agents) | \(note) | | | | | | | |")
        continue
    }
    print("| \(row.agents) | \(wire) | \(row.agents) | \(format(row.windowsPerSecond)) | \(format(row.windowsPerSecond / Double(row.agents), 3)) | \(row.dropped) | \(format(row.cpuPercent)) | \(format(row.rssMiB)) | \(format(quantile(row.latencies, 0.5), 2)) ms | \(format(quantile(row.latencies, 0.99), 2)) ms | \(row.latencies.count) |")
}
for row in rows where row.windowsPerSecond > 0 {
    if let note = row.note { print("\n\(row.agents) agents: \(note)") }
}

// CURVE against plain text, per agent count, from the same run.
let paired = Dictionary(grouping: rows.filter { $0.windowsPerSecond > 0 }, by: \.agents)
if options.curveModes.count == 2 {
    print("")
    print("| agents | CURVE / plain: windows/s | coordinator CPU | RSS | route p50 |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for agents in options.agents {
        guard let pair = paired[agents], let plain = pair.first(where: { !$0.curve }), let curve = pair.first(where: { $0.curve }) else { continue }
        print("| \(agents) | \(format(curve.windowsPerSecond / plain.windowsPerSecond, 3)) | \(format(curve.cpuPercent / plain.cpuPercent, 2)) | \(format(curve.rssMiB / plain.rssMiB, 2)) | \(format(quantile(curve.latencies, 0.5) / quantile(plain.latencies, 0.5), 2)) |")
    }
}
