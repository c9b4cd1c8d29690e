import CanaryShm
import Foundation
import Synchronization

/// The replicas of every version plus the traffic that drives them: keyed
/// requests at a steady rate, each routed by reading a real route page (the
/// one the agents write), so the split the coordinator broadcasts is the
/// split the replicas see. Runs on the calling thread until `stop` is set.
public final class Simulator {
    let spec: SimulationSpec
    let replicas: [SyntheticReplica]
    /// Every agent writes its own page; requests are spread over them the
    /// way a fleet of routers (one next to each replica) would take them.
    let pages: [RoutePage]
    /// Replicas by route label: their version, or the plan's control
    /// label for control replicas (which run the baseline version).
    let byVersion: [String: [Int]]
    var random: SimulationRandom
    var labels = LabelQueue()
    var triggers: TriggerClock
    var status = SimulatorStatus()
    var faultActive: Set<String> = []

    public init(spec: SimulationSpec) throws {
        self.spec = spec
        var replicas: [SyntheticReplica] = []
        var pages: [RoutePage] = []
        var byVersion: [String: [Int]] = [:]
        for (i, r) in spec.replicas.enumerated() {
            let profile = r.role == "canary" ? spec.canaryProfile : spec.baselineProfile
            replicas.append(try SyntheticReplica(spec: r, model: spec.model, profile: profile))
            pages.append(try RoutePage(name: r.routePageName, model: spec.model, permissions: .ownerAndGroup,
                                       readyTimeout: .seconds(2)))
            byVersion[r.role == "control" ? spec.control ?? r.version : r.version, default: []].append(i)
        }
        self.replicas = replicas
        self.pages = pages
        self.byVersion = byVersion
        random = SimulationRandom(seed: spec.seed)
        triggers = TriggerClock(stepsPPM: spec.stepsPPM)
    }

    /// Generates traffic until `stop` becomes true, then writes the final status.
    public func run(until stop: borrowing Atomic<Bool>) throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var issued: UInt64 = 0
        var nextPage = 0
        var nextReplica: [String: Int] = [:]
        var lastHousekeeping: UInt64 = 0
        let nsPerRequest = 1e9 / max(spec.rps, 0.001)
        while !stop.load(ordering: .relaxed) {
            let now = DispatchTime.now().uptimeNanoseconds
            let due = UInt64(Double(now - start) / nsPerRequest)
            while issued < due {
                issued += 1
                let key = SimulationRandom.mix(random.next() % UInt64(max(1, spec.keys)))
                let page = pages[nextPage]
                nextPage = (nextPage + 1) % pages.count
                // No table yet, or a version without replicas here: the
                // baseline serves, as a router with no split would do.
                var version = page.route(key) ?? spec.baseline
                if byVersion[version] == nil { version = spec.baseline }
                status.routed[version, default: 0] += 1
                let candidates = byVersion[version] ?? []
                guard !candidates.isEmpty else { continue }
                let slot = nextReplica[version, default: 0]
                nextReplica[version] = (slot + 1) % candidates.count
                let index = candidates[slot % candidates.count]
                let replica = replicas[index]
                guard let predicted = replica.serve(key: key, nowNs: now, random: &random) else { continue }
                if random.unit() < replica.profile.labelShare {
                    let delay = UInt64(replica.profile.labelDelay.milliseconds) * 1_000_000
                    labels.push(.init(dueNs: now + delay, replica: index, key: key, predicted: predicted,
                                      correct: random.unit() < replica.profile.accuracy))
                }
            }
            for label in labels.popDue(nowNs: now) {
                let replica = replicas[label.replica]
                replica.label(key: label.key, predicted: label.predicted, correct: label.correct)
                status.labeled[replica.spec.version, default: 0] += 1
                if label.correct { status.correct[replica.spec.version, default: 0] += 1 }
            }
            if now - lastHousekeeping > 20_000_000 {
                lastHousekeeping = now
                housekeeping()
            }
            usleep(1_000)
        }
        status.final = true
        housekeeping()
    }

    /// Follows the split for the triggers, starts due faults, reports.
    func housekeeping() {
        let nowMs = Int64((Date().timeIntervalSince1970 * 1_000).rounded())
        var canaryPPM: UInt32 = 0
        for page in pages {
            if let table = try? page.read(), let entry = table.entries.first(where: { $0.version == spec.canary }) {
                canaryPPM = max(canaryPPM, entry.weightPPM)
            }
        }
        status.canaryPPM = canaryPPM
        triggers.observe(canaryPPM: canaryPPM, nowMs: nowMs)
        status.stepReachedMs = triggers.reachedMs
        for fault in spec.faults where !faultActive.contains(fault.name) {
            guard let due = triggers.dueMs(fault.trigger), nowMs >= due else { continue }
            faultActive.insert(fault.name)
            status.faultOnsetMs[fault.name] = nowMs
            for replica in replicas where replica.spec.role == fault.target {
                replica.profile = replica.profile.applying(fault)
                if fault.stall { replica.stalled = true }
            }
            print("fault \(fault.name) on \(fault.target) at \(nowMs)")
            fflush(nil)
        }
        var written: [String: UInt64] = [:]
        for replica in replicas { written[replica.spec.version, default: 0] += replica.written }
        status.written = written
        status.updatedMs = nowMs
        try? status.write(to: spec.statusPath)
    }
}
