import CanaryCore

extension RouteBook {
    /// A plan's control arm as routers see it: the label its share goes to
    /// and the (baseline) version its replicas run.
    public struct ControlPool: Sendable, Equatable {
        public var label: String
        public var version: String

        public init(label: String, version: String) {
            self.label = label
            self.version = version
        }

        /// Nil for a plan without a control.
        init?(_ plan: RolloutPlan) {
            guard let control = plan.control else { return nil }
            self.init(label: control, version: plan.baseline)
        }
    }

    /// Route order: the canary first, so it owns [0, w) and grows sticky;
    /// then the control, [w, 2w), so a key's canary membership still only
    /// grows; then the rest by name. The control's entry names the version
    /// it runs and its label as the pool.
    static func routeOrder(_ weightsPPM: [String: UInt32], canary: String, control: ControlPool?) -> [RouteSplit.Weight] {
        func rank(_ label: String) -> Int { label == canary ? 0 : label == control?.label ? 1 : 2 }
        let ordered = weightsPPM.keys.sorted { lhs, rhs in
            rank(lhs) != rank(rhs) ? rank(lhs) < rank(rhs) : lhs < rhs
        }
        return ordered.map { label in
            if let control, label == control.label {
                return RouteSplit.Weight(version: control.version, weightPPM: weightsPPM[label] ?? 0, pool: label)
            }
            return RouteSplit.Weight(version: label, weightPPM: weightsPPM[label] ?? 0)
        }
    }
}
