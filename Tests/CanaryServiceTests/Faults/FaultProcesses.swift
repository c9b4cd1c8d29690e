import Foundation

/// The coordinator as a real `canary coordinator` process with fixed
/// endpoints and HTTP port, so it can be killed and started again on the
/// same journal, like a crashed daemon brought back by its supervisor.
final class CoordinatorProcess: @unchecked Sendable {  // used from the test task only
    let directory: String
    let journalPath: String
    let router: String
    let publisher: String
    let httpPort: Int
    private let configPath: String
    private(set) var daemon: Daemon?
    private var starts = 0

    /// `host` nil: ipc endpoints in `directory` (loopback); otherwise tcp on
    /// that address, plain text on purpose (`insecure: true`).
    init(directory: String, host: String? = nil) throws {
        self.directory = directory
        journalPath = directory + "/journal.sqlite"
        if let host {
            router = "tcp://\(host):\(try freePort())"
            publisher = "tcp://\(host):\(try freePort())"
        } else {
            router = "ipc://\(directory)/router"
            publisher = "ipc://\(directory)/publisher"
        }
        httpPort = try freePort()
        configPath = directory + "/coordinator.yaml"
        try """
            router: "\(router)"
            publisher: "\(publisher)"
            http: {port: \(httpPort)}
            journal: "\(journalPath)"
            stale_after: 1s
            tick: 50ms
            republish: 250ms
            log_level: notice
            insecure: \(host != nil)
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var url: String { "http://127.0.0.1:\(httpPort)" }
    var pid: pid_t? { daemon?.isRunning == true ? daemon?.process.processIdentifier : nil }

    /// Starts it and waits until `/healthz` answers 200.
    func start() async throws {
        starts += 1
        let daemon = try Daemon(["coordinator", "--config", configPath], logPath: "\(directory)/coordinator-\(starts).log")
        self.daemon = daemon
        let url = self.url
        let up = await eventually(timeout: .seconds(15)) {
            (try? await TestHTTP.request("GET", url + "/healthz").status) == 200
        }
        guard up else { throw TestFailure("coordinator start #\(starts) never became healthy: \(daemon.log)") }
    }

    func kill() async { await daemon?.kill() }
    func terminate() async { await daemon?.terminate() }
    func signal(_ signal: Int32) { if let pid { Foundation.kill(pid, signal) } }
}

/// One `canary agent` process; `namespace` runs it inside that network
/// namespace (`ip netns exec`, which execs the agent: the pid is the agent's).
final class AgentProcess: @unchecked Sendable {  // used from the test task only
    let agentID: String
    let version: String
    let ring: String
    var routePage: String { ring + ".route" }
    private let directory: String
    private let configPath: String
    private let namespace: String?
    private(set) var daemon: Daemon?
    private var starts = 0

    init(directory: String, agentID: String, model: String, version: String, ring: String, capacity: Int,
         windowMs: Int, coordinator: CoordinatorProcess, namespace: String? = nil) throws {
        self.agentID = agentID
        self.version = version
        self.ring = ring
        self.directory = directory
        self.namespace = namespace
        configPath = "\(directory)/\(agentID).yaml"
        try """
            agent_id: \(agentID)
            model: \(model)
            version: \(version)
            ring: {name: \(ring), capacity: \(capacity)}
            # Its own page: each agent here stands for a replica on its own host.
            route_page: \(ring).route
            window: \(windowMs)ms
            coordinator: {router: "\(coordinator.router)", publisher: "\(coordinator.publisher)"}
            coordinator_timeout: 1s
            log_level: notice
            insecure: \(coordinator.router.hasPrefix("tcp://"))
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    var pid: pid_t? { daemon?.isRunning == true ? daemon?.process.processIdentifier : nil }
    var log: String { daemon?.log ?? "" }

    func start() throws {
        starts += 1
        let log = "\(directory)/\(agentID)-\(starts).log"
        if let namespace {
            daemon = try Daemon(executable: NetworkNamespace.ip, arguments: ["netns", "exec", namespace, try Daemon.canaryExecutable(),
                                                                             "agent", "--config", configPath], logPath: log)
        } else {
            daemon = try Daemon(["agent", "--config", configPath], logPath: log)
        }
    }

    func kill() async { await daemon?.kill() }
    func terminate() async { await daemon?.terminate() }
    func signal(_ signal: Int32) { if let pid { Foundation.kill(pid, signal) } }
}
