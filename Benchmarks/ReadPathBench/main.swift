import CanaryConfig
import CanaryCoordinator
import Foundation
import Logging

// readpath-bench: the read paths' cost with a long history against an empty
// journal, and window ack latency with and without a scrape loop. Both
// coordinators run in this process on loopback (port 0), each with one
// active rollout being fed; only the journal's history differs.
//
//   swift run -c release readpath-bench [finished-rollouts]

let finished = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 1_000
let requests = 300
let logger: Logger = {
    var logger = Logger(label: "readpath-bench")
    logger.logLevel = .error
    return logger
}()

func startCoordinator(journalPath: String) async throws -> (Coordinator, Task<Void, any Error>, Coordinator.Endpoints) {
    var config = CoordinatorConfig()
    config.routerEndpoint = "tcp://127.0.0.1:*"
    config.publishEndpoint = "tcp://127.0.0.1:*"
    config.httpPort = 0
    config.journalPath = journalPath
    let coordinator = try Coordinator(config: config, logger: logger)
    let task = Task { try await coordinator.run() }
    guard let endpoints = await coordinator.endpoints() else { throw ProbeError("the coordinator did not start") }
    await Seeder.hello(coordinator.engine, model: "live", now: ClockReading.now())
    _ = try await coordinator.engine.start(planSource: Seeder.plan(model: "live"), now: ClockReading.now())
    return (coordinator, task, endpoints)
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readpath-bench-\(UUID().uuidString)").path
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

print("readpath-bench: seeding \(finished) finished rollouts…")
let seedStart = ContinuousClock.now
try await Seeder.seed(journalPath: directory + "/history.sqlite", finished: finished, logger: logger)
print("  seeded in \(ContinuousClock.now - seedStart)")

let empty = try await startCoordinator(journalPath: directory + "/empty.sqlite")
let history = try await startCoordinator(journalPath: directory + "/history.sqlite")
let listed = history.0.engine.readModel.listJSON(limit: 1).total
guard listed == finished + 1 else { throw ProbeError("expected \(finished + 1) rollouts in the history's read model, got \(listed)") }

// Keep both coordinators' hot path busy the same way while reads are timed.
let stopFeeding = AckProbe.Stop()
let feeders = [empty, history].map { coordinator in
    Task { _ = try? await AckProbe.measure(router: coordinator.2.router, model: "live", version: "v1", count: 1_000_000, pauseMs: 5, stop: stopFeeding) }
}

var rows: [(String, HTTPTiming.Result, HTTPTiming.Result)] = []
// The two journals are timed in alternating rounds, so a load that drifts
// during the run (this machine's other work) weighs on both sides alike.
for path in ["/metrics", "/api/v1/rollouts", "/healthz"] {
    var reference: [Double] = [], ours: [Double] = []
    var referenceBytes = 0, oursBytes = 0
    let rounds = 10
    for round in 0..<rounds {
        let warmup = round == 0 ? 20 : 2
        if round % 2 == 0 {
            let r = try await HTTPTiming.measure(empty.2.httpURL + path, count: requests / rounds, warmup: warmup)
            let o = try await HTTPTiming.measure(history.2.httpURL + path, count: requests / rounds, warmup: warmup)
            reference += r.millis; ours += o.millis; referenceBytes = r.bytes; oursBytes = o.bytes
        } else {
            let o = try await HTTPTiming.measure(history.2.httpURL + path, count: requests / rounds, warmup: warmup)
            let r = try await HTTPTiming.measure(empty.2.httpURL + path, count: requests / rounds, warmup: warmup)
            reference += r.millis; ours += o.millis; referenceBytes = r.bytes; oursBytes = o.bytes
        }
    }
    rows.append((path, HTTPTiming.Result(millis: reference, bytes: referenceBytes), HTTPTiming.Result(millis: ours, bytes: oursBytes)))
}
stopFeeding.requested.store(true, ordering: .relaxed)
for feeder in feeders { await feeder.value }

// Acks on the long-history coordinator, alone and under a scrape loop.
let acksAlone = try await AckProbe.measure(router: history.2.router, model: "live", version: "v2", count: 300, pauseMs: 7)
let scraping = (0..<4).map { index in
    Task {
        let paths = ["/metrics", "/api/v1/rollouts", "/healthz", "/metrics"]
        var scrapes = 0
        while !Task.isCancelled {
            _ = try? await HTTPTiming.get(history.2.httpURL + paths[index])
            scrapes += 1
        }
        return scrapes
    }
}
let acksScraped = try await AckProbe.measure(router: history.2.router, model: "live", version: "v2", count: 300, pauseMs: 7)
for task in scraping { task.cancel() }
var scrapes = 0
for task in scraping { scrapes += await task.value }

func cell(_ value: Double) -> String { String(format: "%10.3f", value) }
func ratio(_ ours: Double, _ reference: Double) -> String { String(format: "%7.2fx", ours / reference) }

print("")
print("read paths, live HTTP on loopback, \(requests) sequential requests each, in alternating rounds (ms)")
print("                                      empty journal   \(String(format: "%5d", finished)) finished   ratio")
for (path, reference, ours) in rows {
    let name = "GET " + path
    print(name.padding(toLength: 22, withPad: " ", startingAt: 0) + " p50      " + cell(reference.p50) + "      " + cell(ours.p50) + "  " + ratio(ours.p50, reference.p50))
    print(String(repeating: " ", count: 22) + " p99      " + cell(reference.p99) + "      " + cell(ours.p99) + "  " + ratio(ours.p99, reference.p99))
    print(String(repeating: " ", count: 22) + " bytes    " + String(format: "%10d", reference.bytes) + "      " + String(format: "%10d", ours.bytes))
}
let alone = HTTPTiming.Result(millis: acksAlone, bytes: 0)
let scraped = HTTPTiming.Result(millis: acksScraped, bytes: 0)
print("")
print("window ack latency, \(finished) finished rollouts, 300 windows each (ms; acks follow the 20 ms flush)")
print("                                      no scrape       scrape loop     ratio")
print("ack                    p50      " + cell(alone.p50) + "      " + cell(scraped.p50) + "  " + ratio(scraped.p50, alone.p50))
print("                       p99      " + cell(alone.p99) + "      " + cell(scraped.p99) + "  " + ratio(scraped.p99, alone.p99))
print("                       mean     " + cell(alone.mean) + "      " + cell(scraped.mean) + "  " + ratio(scraped.mean, alone.mean))
print("(scrape loop: 4 concurrent clients, \(scrapes) requests during the acked windows)")

await empty.0.shutdown()
await history.0.shutdown()
_ = try? await empty.1.value
_ = try? await history.1.value
