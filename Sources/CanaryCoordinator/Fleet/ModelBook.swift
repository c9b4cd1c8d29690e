/// The models and versions whose windows the coordinator counts, with when
/// each was last heard of: bounded, so windows naming thousands of made-up
/// models or versions cannot grow the per-model state (second aggregates,
/// `/metrics` series) without end.
///
/// Past a limit the entry silent for longest is evicted, except a model
/// (or a version) that a rollout in progress steers: that one is always
/// admitted, and a new entry is refused only when nothing else can go.
public struct ModelBook: Sendable {
    public struct Eviction: Sendable, Equatable {
        public let model: String
        /// The versions evicted (every version when the model itself went).
        public let versions: [String]
        public let wholeModel: Bool
    }

    public enum Admission: Sendable, Equatable {
        case admitted(evicted: [Eviction])
        case refused(String)
    }

    public let maxModels: Int
    public let maxVersionsPerModel: Int
    /// model → version → last seen (ms).
    private(set) var models: [String: [String: Int64]] = [:]

    public init(maxModels: Int, maxVersionsPerModel: Int) {
        self.maxModels = max(1, maxModels)
        self.maxVersionsPerModel = max(1, maxVersionsPerModel)
    }

    public var count: Int { models.count }
    public func versions(of model: String) -> [String] { models[model].map { Array($0.keys) } ?? [] }

    /// Admits a window of `model`/`version`; `protected` names the models in
    /// a rollout (with the versions it compares), which are never evicted.
    public mutating func admit(model: String, version: String, nowMs: Int64,
                               protected: [String: Set<String>]) -> Admission {
        var evicted: [Eviction] = []
        if models[model] == nil, models.count >= maxModels {
            let candidates = models.filter { protected[$0.key] == nil }
                .map { (model: $0.key, lastSeen: $0.value.values.max() ?? .min) }
                .sorted { ($0.lastSeen, $0.model) < ($1.lastSeen, $1.model) }
            guard !candidates.isEmpty || protected[model] != nil else {
                return .refused("the coordinator already counts \(models.count) models, the limit (limits.max_models), and each is in a rollout")
            }
            // Evict a batch (5 % of the limit), so a flood costs a sort and
            // a cleanup per twenty new models rather than one per model.
            for candidate in candidates.prefix(max(1, maxModels / 20)) {
                let versions = versions(of: candidate.model).sorted()
                models[candidate.model] = nil
                evicted.append(Eviction(model: candidate.model, versions: versions, wholeModel: true))
            }
        }
        var versions = models[model] ?? [:]
        if versions[version] == nil, versions.count >= maxVersionsPerModel {
            let keep = protected[model] ?? []
            let oldest = versions.filter { !keep.contains($0.key) }.min { ($0.value, $0.key) < ($1.value, $1.key) }
            if let oldest {
                versions[oldest.key] = nil
                evicted.append(Eviction(model: model, versions: [oldest.key], wholeModel: false))
            } else if !keep.contains(version) {
                return .refused("model \(model) already has \(versions.count) versions, the limit (limits.max_versions_per_model)")
            }
        }
        versions[version] = max(versions[version] ?? nowMs, nowMs)
        models[model] = versions
        return .admitted(evicted: evicted)
    }
}
