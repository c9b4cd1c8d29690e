import CanaryShm
import Foundation

/// One model replica that serves no model: each request it is handed becomes
/// a real sample in its real sample ring, drawn from its profile (and the
/// faults active on it), exactly as an instrumented server would record it.
final class SyntheticReplica {
    let spec: SimulationSpec.Replica
    let recorder: SampleRecorder
    var profile: ReplicaProfile
    var stalled = false
    var load = LoadMeter()
    /// Inference samples written (outcomes not included).
    private(set) var written: UInt64 = 0

    init(spec: SimulationSpec.Replica, model: String, profile: ReplicaProfile) throws {
        self.spec = spec
        self.profile = profile
        recorder = try SampleRecorder(RingConfiguration(
            name: spec.ringName, model: model, version: spec.version, capacity: spec.ringCapacity,
            permissions: .ownerAndGroup, readyTimeout: .seconds(2)))
    }

    /// Serves one request at `nowNs`; returns the predicted class if a
    /// label is due later, nil if nothing was recorded (stalled). Its
    /// latency depends on the load the replica has been under.
    func serve(key: UInt64, nowNs: UInt64, random: inout SimulationRandom) -> Int32? {
        guard !stalled else { return nil }
        let latencyMs = profile.drawLatencyMs(requestsPerSecond: load.served(atNs: nowNs), random: &random)
        let status: SampleStatus
        let draw = random.unit()
        if draw < profile.errorRate {
            status = .serverError
        } else if draw < profile.errorRate + profile.timeoutRate {
            status = .timeout
        } else if draw < profile.errorRate + profile.timeoutRate + profile.clientErrorRate {
            status = .clientError
        } else {
            status = .ok
        }
        let predicted = Int32(random.pick(profile.classes))
        recorder.record(
            latencyNanoseconds: UInt64(max(0, latencyMs * 1_000_000)), status: status,
            prediction: .classIndex(predicted), confidence: Float(0.5 + 0.5 * random.unit()), key: key)
        written += 1
        return predicted
    }

    /// The ground truth for an earlier request arrives.
    func label(key: UInt64, predicted: Int32, correct: Bool) {
        let classes = Int32(max(2, profile.classes.count))
        let label = correct ? predicted : (predicted + 1) % classes
        recorder.recordOutcome(key: key, label: label, correct: correct)
    }
}
