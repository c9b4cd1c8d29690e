import CanaryWire
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import ZeroMQ

/// Times a window's send to the resulting route table's arrival, the way an
/// agent sees it: a DEALER sends a canary burst of server errors, a SUB waits
/// for the table that rolls the canary back. Runs on its own thread, among
/// the simulated agents' traffic, so the window queues behind theirs.
struct RouteProbe {
    let router: String
    let publisher: String
    let httpURL: String
    var keys: BenchKeys? = nil

    /// A plan whose only guard is an absolute error-rate limit: the burst
    /// trips it at once; the long bake keeps healthy traffic from advancing.
    static let plan = """
        model: \(WindowFactory.model)
        baseline: \(WindowFactory.baseline)
        canary: \(WindowFactory.canary)
        steps: [50%, 100%]
        bake:
          min_duration: 1h
          min_samples_per_arm: 1000000000
        analysis_window: 10s
        on_breach: rollback
        guards:
          - metric: error_rate
            max: 5%
            min_samples: 100

        """

    /// Runs `trials` rollouts, each rolled back by one burst; returns the
    /// send → route-table latencies in ms.
    func run(trials: Int) throws -> [Double] {
        let context = try ZeroMQContext()
        defer { context.terminate() }
        let subscriber = try Socket(context, .sub)
        let dealer = try Socket(context, .dealer)
        defer {
            subscriber.close()
            dealer.close()
        }
        try subscriber.set(.linger, .zero)
        try dealer.set(.linger, .zero)
        try subscriber.subscribe(WireFormat.kindFrame(.routeTable))
        try keys?.secure(subscriber)
        try keys?.secure(dealer)
        try subscriber.connect(publisher)
        try dealer.connect(router)
        let agentID = "fanin-probe"
        let epoch = UInt64.random(in: 1...UInt64(Int64.max))
        try dealer.send(multipart: WireMessage.hello(WindowFactory.hello(agentID: agentID, epoch: epoch, version: WindowFactory.canary)).encode())
        var sequence: UInt64 = 0
        var latencies: [Double] = []
        for _ in 0..<trials {
            let id = try startRollout()
            // The burst must reach this rollout: wait until its table is out.
            _ = try waitForTable(subscriber, "the new rollout's table", timeoutNs: 15_000_000_000) { $0.rolloutID == id && $0.phase == .progressing }
            sequence += 1
            let burst = WindowFactory.burst(agentID: agentID, epoch: epoch, sequence: sequence, nowMs: wallMs())
            let frames = WireMessage.window(burst).encode()
            let sentAt = monotonicNanos()
            try dealer.send(multipart: frames)
            let arrivedAt = try waitForTable(subscriber, "the rollback's table", timeoutNs: 15_000_000_000) { $0.rolloutID == id && $0.phase == .rolledBack }
            latencies.append(Double(arrivedAt - sentAt) / 1e6)
            while (try? dealer.tryReceiveMultipart()) != nil {}
        }
        return latencies
    }

    /// Receives route tables until one matches; returns its arrival time.
    private func waitForTable(_ socket: Socket, _ what: String, timeoutNs: UInt64, _ matches: (Canary_V1_RouteTable) -> Bool) throws -> UInt64 {
        var last = "nothing"
        let deadline = monotonicNanos() + timeoutNs
        var poller = Poller()
        _ = poller.add(socket, events: .readable)
        while monotonicNanos() < deadline {
            guard try poller.poll(timeout: .milliseconds(50)) > 0 else { continue }
            while let frames = try socket.tryReceiveMultipart() {
                let now = monotonicNanos()
                guard case .routeTable(let table)? = try? WireMessage.decode(frames) else { continue }
                if matches(table) { return now }
                last = "\(table.rolloutID) \(table.phase) #\(table.sequence)"
            }
        }
        throw BenchError("\(what) did not arrive within \(timeoutNs / 1_000_000_000) s (last table seen: \(last))")
    }

    /// POSTs the plan; blocking is fine on this dedicated thread.
    private func startRollout() throws -> String {
        var request = URLRequest(url: URL(string: httpURL + "/api/v1/rollouts")!, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.httpBody = Data(Self.plan.utf8)
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox()
        URLSession.shared.dataTask(with: request) { data, response, error in
            result.set(data, (response as? HTTPURLResponse)?.statusCode ?? 0, error)
            done.signal()
        }.resume()
        done.wait()
        let (data, status, error) = result.get()
        guard status == 201, let data, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let id = object["id"] as? String else {
            throw BenchError("starting the probe rollout failed: HTTP \(status) \(data.map { String(decoding: $0, as: UTF8.self) } ?? "\(error.map { "\($0)" } ?? "")")")
        }
        return id
    }
}

/// Hands a URLSession completion's values to the waiting thread.
final class ResultBox: Sendable {
    private let value = Mutex<(Data?, Int, (any Error)?)>((nil, 0, nil))
    func set(_ data: Data?, _ status: Int, _ error: (any Error)?) { value.withLock { $0 = (data, status, error) } }
    func get() -> (Data?, Int, (any Error)?) { value.withLock { $0 } }
}
