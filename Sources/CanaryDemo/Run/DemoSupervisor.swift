import CanaryAPI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The processes of one demo run: one coordinator (restartable on the same
/// endpoints and journal), one agent per replica, the simulator. Knows how
/// to start each from the typed inputs the run prepared, and how to stop
/// them in data-flow order; everything it started is in `children`.
final class DemoSupervisor {
    let executable: String
    let runDirectory: String
    let journalPath: String
    private(set) var children: [ChildProcess] = []
    private(set) var coordinator: ChildProcess?
    /// Where the first coordinator bound: a restarted one binds the same,
    /// because the agents' configs name them.
    private(set) var endpoints: CoordinatorReadyFile?
    private(set) var coordinatorStarts = 0
    private(set) var agents: [Int: ChildProcess] = [:]
    private(set) var simulator: ChildProcess?
    /// The coordinator's config file (its CURVE keys), for restarts too.
    private(set) var coordinatorConfigPath: String?

    init(executable: String, runDirectory: String) {
        self.executable = executable
        self.runDirectory = runDirectory
        journalPath = runDirectory + "/journal.sqlite"
    }

    /// Starts the coordinator and waits for its ready file. The first one
    /// binds `httpPort` (0 = any) and free ZeroMQ ports; a restart binds
    /// what the first one did.
    @discardableResult
    func startCoordinator(httpPort: Int, configPath: String? = nil) async throws -> CoordinatorReadyFile {
        if let configPath { coordinatorConfigPath = configPath }
        coordinatorStarts += 1
        let suffix = coordinatorStarts == 1 ? "" : "-\(coordinatorStarts)"
        let ready = runDirectory + "/coordinator\(suffix).ready.json"
        let child = try spawn("coordinator", log: runDirectory + "/coordinator\(suffix).log", [
            "coordinator", "--journal", journalPath, "--ready-file", ready,
            "--http-port", String(endpoints?.httpPort ?? httpPort),
            "--router", endpoints?.router ?? "tcp://127.0.0.1:*",
            "--publisher", endpoints?.publisher ?? "tcp://127.0.0.1:*",
        ] + (coordinatorConfigPath.map { ["--config", $0] } ?? []))
        coordinator = child
        let bound = try await CoordinatorReadyFile.wait(path: ready, coordinator: child)
        if endpoints == nil { endpoints = bound }
        return bound
    }

    func startAgent(_ index: Int, name: String, configPath: String, logPath: String) throws {
        agents[index] = try spawn(name, log: logPath, ["agent", "--config", configPath])
    }

    func startSimulator(specPath: String) throws {
        simulator = try spawn("simulator", log: runDirectory + "/simulator.log", ["simulate", "--spec", specPath])
    }

    /// SIGKILL, as a crash would: nothing is flushed.
    func crash(_ child: ChildProcess?) async {
        child?.send(SIGKILL)
        await child?.wait(timeout: .seconds(2))
    }

    /// A process that should run but exited, as an error naming its log.
    func checkAlive(coordinatorExpected: Bool, starting: Bool) throws {
        let phase = starting ? " at start" : ""
        if let simulator, !simulator.isRunning {
            throw DemoError("the simulator exited\(phase); see \(simulator.logPath):\n\(simulator.logTail())")
        }
        if coordinatorExpected, let coordinator, !coordinator.isRunning {
            throw DemoError("the coordinator exited\(phase); see \(coordinator.logPath):\n\(coordinator.logTail())")
        }
        if starting {
            for agent in agents.values.sorted(by: { $0.pid < $1.pid }) where !agent.isRunning {
                throw DemoError("\(agent.name) exited at start; see \(agent.logPath):\n\(agent.logTail())")
            }
        }
    }

    func stopSimulator() async { await simulator?.stop() }

    /// SIGTERM to every agent at once (each flushes its last window), then
    /// wait for each.
    func stopAgents() async {
        for agent in agents.values { agent.send(SIGTERM) }
        for agent in agents.values { await agent.stop() }
    }

    /// The coordinator journals what it staged before it exits.
    func stopCoordinator() async { await coordinator?.stop(grace: .seconds(5)) }

    /// Whatever still runs (an earlier step failed): stopped now.
    func stopRest() async {
        for child in children where child.isRunning { await child.stop() }
    }

    var pids: [Int32] { children.map(\.pid) }
    var leftRunning: [Int32] { children.filter(\.isRunning).map(\.pid) }

    private func spawn(_ name: String, log: String, _ arguments: [String]) throws -> ChildProcess {
        let child = try ChildProcess.spawn(name: name, executable: executable, arguments: arguments, logPath: log)
        children.append(child)
        return child
    }
}
