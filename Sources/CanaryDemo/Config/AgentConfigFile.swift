import CanarySimulator

/// The configuration file of one demo agent. The only place the demo
/// writes agent configuration, so it follows the agent's config keys in
/// one spot.
enum AgentConfigFile {
    static func yaml(agentID: String, model: String, replica: SimulationSpec.Replica, windowMs: Int64,
                     coordinator: CoordinatorReady) -> String {
        """
        agent_id: \(agentID)
        replica: "\(replica.index)"
        model: \(model)
        version: \(replica.version)
        role: \(replica.role)
        ring:
          name: \(replica.ringName)
          capacity: \(replica.ringCapacity)
        route_page: \(replica.routePageName)
        window: \(windowMs)ms
        coordinator:
          router: \(coordinator.router)
          publisher: \(coordinator.publisher)
        log_level: notice

        """
    }
}
