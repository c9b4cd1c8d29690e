import CanaryAPI
import CanaryConfig
import CanarySimulator

/// The configuration file of one demo agent: an `AgentConfig` value encoded
/// by the config type itself, so the file cannot drift from the keys the
/// agent's parser knows. The only place the demo makes agent configuration.
enum AgentConfigFile {
    static func yaml(agentID: String, model: String, replica: SimulationSpec.Replica, windowMs: Int64,
                     coordinator: CoordinatorReadyFile, curve: AgentCurveConfig? = nil) -> String {
        var config = AgentConfig(agentID: agentID, model: model, version: replica.version,
                                 ringName: replica.ringName, routePageName: replica.routePageName)
        config.replica = String(replica.index)
        config.role = replica.role
        config.ringCapacity = replica.ringCapacity
        config.windowMs = windowMs
        config.coordinatorRouter = coordinator.router
        config.coordinatorPublisher = coordinator.publisher
        config.logLevel = "notice"
        config.curve = curve
        return config.yaml()
    }
}
