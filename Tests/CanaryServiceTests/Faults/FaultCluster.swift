import CanaryAgent
import CanaryCoordinator
import CanaryShm
import CanaryWire
import Foundation

/// A real coordinator process, real agent processes and one synthetic
/// replica per agent writing into its ring — the world the fault cases
/// break. At the end of a case `account` pauses the replicas, waits for the
/// journal to settle and compares what was written with what was counted,
/// and every route page with the journal's current table.
final class FaultCluster: @unchecked Sendable {  // used from the test task only
    struct Member {
        let agent: AgentProcess
        let writer: ReplicaWriter
    }

    let model: String
    let directory: String
    let coordinator: CoordinatorProcess
    let windowMs: Int
    let perSecond: Int
    private(set) var members: [Member] = []
    private var pages: [String: RoutePage] = [:]
    private var journalReader: Journal?
    static let ringCapacity = 1 << 14

    /// `versions`: one agent (and replica) per entry; `namespace` runs the
    /// agents marked `true` there, the coordinator then listens on its veth address.
    init(name: String, versions: [String], perSecond: Int = 250, windowMs: Int = 200,
         namespace: NetworkNamespace? = nil, inNamespace: Set<Int> = []) throws {
        directory = Unique.directory()
        model = Unique.name(name + "-")
        self.windowMs = windowMs
        self.perSecond = perSecond
        coordinator = try CoordinatorProcess(directory: directory, host: namespace?.hostAddress)
        for (index, version) in versions.enumerated() {
            let ring = "/" + Unique.name("cf.\(version).")
            let agent = try AgentProcess(directory: directory, agentID: "\(model)-\(version)-\(index)", model: model,
                                         version: version, ring: ring, capacity: Self.ringCapacity, windowMs: windowMs,
                                         coordinator: coordinator, namespace: inNamespace.contains(index) ? namespace?.name : nil)
            let writer = try ReplicaWriter(ring: ring, model: model, version: version, capacity: Self.ringCapacity,
                                           perSecond: perSecond, seed: UInt64(index + 1) &* 0x9E37)
            members.append(Member(agent: agent, writer: writer))
        }
    }

    var agents: [AgentProcess] { members.map(\.agent) }
    var url: String { coordinator.url }

    /// Coordinator, agents, replicas; returns once every agent had a window counted.
    func start() async throws {
        try await coordinator.start()
        for member in members {
            try member.agent.start()
            member.writer.resume()
        }
        for agent in agents {
            let live = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                try await self.agentStatus(agent.agentID)?["windowsCounted"] as? Int ?? 0 > 0
            }
            guard live else { throw TestFailure("agent \(agent.agentID) never had a window counted: \(agent.log)") }
        }
    }

    /// Stops every process and removes the segments, checkpoints, spools and journal.
    func close() {
        for member in members {
            // Synchronous (a `defer` calls it): SIGKILL now; each Daemon's deinit reaps it.
            member.agent.signal(SIGCONT)
            member.agent.signal(SIGKILL)
        }
        coordinator.signal(SIGCONT)
        coordinator.signal(SIGKILL)
        for agent in agents {
            _ = try? unlinkSharedSegment(agent.ring)
            _ = try? unlinkSharedSegment(agent.routePage)
            RingCheckpoint.remove(ring: agent.ring)
            try? FileManager.default.removeItem(atPath: WindowSpool.defaultDirectory(forRing: agent.ring))
        }
        journalReader = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - The API

    func startRollout(_ plan: String) async throws -> String {
        let reply = try await TestHTTP.request("POST", url + "/api/v1/rollouts", body: plan)
        guard let id = (try? reply.json() as? [String: Any])?["id"] as? String else {
            throw TestFailure("rollout refused (\(reply.status)): \(reply.text)")
        }
        return id
    }

    func rollout(_ id: String) async throws -> [String: Any] {
        try await TestHTTP.object("GET", url + "/api/v1/rollouts/\(id)")
    }

    /// Polls the rollout until `condition` holds on its view; the last view either way.
    func waitRollout(_ id: String, timeout: Duration = .seconds(30),
                     _ condition: @escaping ([String: Any]) -> Bool) async throws -> (Bool, [String: Any]) {
        var view: [String: Any] = [:]
        let held = await eventually(timeout: timeout, every: .milliseconds(50)) {
            guard let current = try? await self.rollout(id) else { return false }
            view = current
            return condition(current)
        }
        return (held, view)
    }

    func agentStatus(_ agentID: String) async throws -> [String: Any]? {
        let reply = try await TestHTTP.request("GET", url + "/api/v1/agents")
        let list = try reply.json() as? [[String: Any]] ?? []
        return list.first { $0["agentID"] as? String == agentID }
    }

    // MARK: - The ledger

    func pauseWriters() async { for member in members { await member.writer.pause() } }
    func resumeWriters() { for member in members { member.writer.resume() } }

    /// Pauses the replicas, waits (generously) until the journal counted
    /// everything written or the agents reported the rest lost, and checks
    /// the pages; the replicas write again afterwards unless `resume` is false.
    func account(_ fault: String, allowed: Int = 0, resume: Bool = true) async throws -> FaultAccount {
        await pauseWriters()
        var written: [String: Int] = [:]
        for member in members { written[member.writer.version, default: 0] += member.writer.count }
        var counted: [String: Int] = [:], reported: [String: Int] = [:]
        _ = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (counted, reported) = try self.countedPerVersion()
            return written.allSatisfy { version, w in (counted[version] ?? 0) + (reported[version] ?? 0) >= w }
        }
        // A duplicate would arrive with the resends: give them a moment to show.
        try await Task.sleep(for: .milliseconds(Int64(windowMs) * 2))
        (counted, reported) = try countedPerVersion()
        var disagreements: [String] = []
        let agree = try await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
            disagreements = try self.pageDisagreements()
            return disagreements.isEmpty
        }
        let versions = written.keys.sorted()
        let perVersion = versions.map { v in "\(v): written \(written[v] ?? 0), counted \(counted[v] ?? 0), reported lost \(reported[v] ?? 0)" }
        let account = FaultAccount(
            fault: fault, written: written.values.reduce(0, +), counted: versions.map { counted[$0] ?? 0 }.reduce(0, +),
            reportedLost: versions.map { reported[$0] ?? 0 }.reduce(0, +), allowed: allowed, pagesAgree: agree,
            detail: (perVersion + disagreements).joined(separator: "; "))
        print(account.report)
        if resume { resumeWriters() }
        return account
    }

    /// Requests and reported ring loss the journal holds for the model, per version.
    func countedPerVersion() throws -> ([String: Int], [String: Int]) {
        var counted: [String: Int] = [:], lost: [String: Int] = [:]
        for row in try journal().aggregates(model: model, sinceSecond: 0) {
            counted[row.version, default: 0] += Int(row.requests)
            lost[row.version, default: 0] += Int(row.ringLost)
        }
        return (counted, lost)
    }

    /// Every agent's route page against the journal's current table of the
    /// model (epoch, sequence, versions and weights); empty when all agree.
    func pageDisagreements() throws -> [String] {
        let journal = try journal()
        guard let record = try journal.routes().first(where: { $0.model == model }) else {
            return ["the journal holds no route table for \(model)"]
        }
        let table = try Canary_V1_RouteTable(jsonString: record.tableJSON)
        let epoch = try journal.meta("epoch").flatMap { UInt64($0) }
        let expected = table.weights.map { RouteEntry(version: $0.version, weightPPM: $0.weightPpm) }
        func text(_ entries: [RouteEntry]) -> String { entries.map { "\($0.version)=\($0.weightPPM)" }.joined(separator: ",") }
        var disagreements: [String] = []
        for agent in agents {
            let page = try routePage(agent)
            let onPage = try page.read()
            if onPage.entries != expected || onPage.sequence != UInt64(record.sequence) || onPage.epoch != epoch {
                disagreements.append("page of \(agent.agentID): #\(onPage.sequence) epoch \(onPage.epoch) [\(text(onPage.entries))], journal: #\(record.sequence) epoch \(epoch.map(String.init) ?? "none") [\(text(expected))]")
            }
        }
        return disagreements
    }

    /// What a router next to this agent routes by right now.
    func page(of agent: AgentProcess) throws -> RouteTable { try routePage(agent).read() }

    private func routePage(_ agent: AgentProcess) throws -> RoutePage {
        if let page = pages[agent.agentID] { return page }
        let page = try RoutePage(name: agent.routePage, model: model, permissions: .ownerAndGroup, openMode: .attachOnly)
        pages[agent.agentID] = page
        return page
    }

    private func journal() throws -> Journal {
        if let journalReader { return journalReader }
        let journal = try Journal(path: coordinator.journalPath)
        journalReader = journal
        return journal
    }
}

/// A plan that walks `steps` with short bakes; only an absolute error
/// guard, so progress depends on bake time and samples, not on evidence.
func faultPlan(model: String, steps: String, bake: String = "1s", extra: String = "") -> String {
    """
    model: \(model)
    baseline: v1
    canary: v2
    steps: \(steps)
    bake:
      min_duration: \(bake)
      max_duration: \(bake)
      min_samples_per_arm: 50
    analysis_window: 5s
    alpha: 0.01
    on_breach: rollback
    # These tests are about faults, not evidence: advance once baked.
    on_inconclusive: advance
    stale_after: 2s
    guards:
      - metric: error_rate
        max: 20%
    \(extra)
    """
}
