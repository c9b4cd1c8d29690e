import CanaryAPI
import CanaryCore

/// Which versions of which models the fleet serves now, from the agents'
/// hellos: what a rollout's route table can send traffic to. A plan whose
/// baseline or canary no live agent serves (a typo such as `v2-goood`, a
/// model that is not deployed) would route its share to no replica and be
/// noticed only at its progress deadline, so starting it is refused with
/// what the fleet does serve.
struct ServedVersions {
    struct Count {
        var live = 0
        var stale = 0
    }

    /// model → version → agents.
    private(set) var models: [String: [String: Count]] = [:]
    /// model → version → live agents with `role: control`: a plan's control
    /// arm is routed to them alone.
    private(set) var liveControls: [String: [String: Int]] = [:]

    init(_ agents: some Sequence<AgentStatus>) {
        for agent in agents where !agent.model.isEmpty && !agent.version.isEmpty {
            if agent.stale {
                models[agent.model, default: [:]][agent.version, default: Count()].stale += 1
            } else {
                models[agent.model, default: [:]][agent.version, default: Count()].live += 1
                if agent.role == "control" { liveControls[agent.model, default: [:]][agent.version, default: 0] += 1 }
            }
        }
    }

    /// Versions of `model` with at least one live agent, by name.
    func live(of model: String) -> [(version: String, agents: Int)] {
        (models[model] ?? [:]).filter { $0.value.live > 0 }.map { ($0.key, $0.value.live) }.sorted { $0.version < $1.version }
    }

    /// Why `plan` cannot start yet (nil when both its versions, and a
    /// control it names, have live agents): the versions without any, and
    /// what the fleet serves instead.
    func missing(for plan: RolloutPlan) -> String? {
        let served = Dictionary(live(of: plan.model), uniquingKeysWith: +)
        let absent = [(plan.baseline, "the baseline"), (plan.canary, "the canary")].filter { served[$0.0] == nil }
        if absent.isEmpty, let control = plan.control, liveControls[plan.model]?[plan.baseline] == nil {
            return "no live agents of \(plan.model)/\(plan.baseline) with role: control (the control arm \(control)); the plan's control share would reach no replica — start control replicas of the baseline (agent role: control) or remove control: from the plan"
        }
        guard !absent.isEmpty else { return nil }
        let named = absent.map { "\(plan.model)/\($0.0) (\($0.1))" }.joined(separator: " and ")
        return "no live agents of \(named); " + (models[plan.model] == nil ? unknownModel(plan.model) : known(plan, absent.map(\.0)))
    }

    private func known(_ plan: RolloutPlan, _ absent: [String]) -> String {
        let versions = live(of: plan.model).map { "\($0.version) (\(Self.agents($0.agents)))" }
        var sentence = versions.isEmpty ? "\(plan.model) has no live agents" : "\(plan.model) serves \(versions.joined(separator: ", "))"
        for version in absent {
            if let stale = models[plan.model]?[version]?.stale, stale > 0 {
                sentence += "; \(version) has only \(Self.agents(stale, "stale agent")) (silent for longer than stale_after)"
            }
            // Suggest among the versions served, never the plan's other version.
            let others = live(of: plan.model).map(\.version).filter { $0 != plan.baseline && $0 != plan.canary }
            if let near = NearestName.suggestion(for: version, among: others) { sentence += "; did you mean \(near) for \(version)?" }
        }
        return sentence
    }

    private func unknownModel(_ model: String) -> String {
        let models = self.models.keys.filter { !live(of: $0).isEmpty }.sorted()
        guard !models.isEmpty else { return "no agent of any model is live (\(model) has no agents yet)" }
        let list = models.map { "\($0) (\(live(of: $0).map(\.version).joined(separator: ", ")))" }
        var sentence = "no live agent serves model \(model); the fleet serves \(list.joined(separator: ", "))"
        if let near = NearestName.suggestion(for: model, among: models) { sentence += "; did you mean \(near)?" }
        return sentence
    }

    static func agents(_ count: Int, _ noun: String = "agent") -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
}
