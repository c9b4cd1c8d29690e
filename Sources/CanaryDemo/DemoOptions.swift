/// What `canary demo` was asked for, after validation.
public struct DemoOptions: Sendable {
    public var scenarioPath: String
    /// Replicas per version; nil: the scenario's.
    public var replicas: Int?
    /// Requests per second over all replicas; nil: the scenario's.
    public var rps: Double?
    public var speed: Double
    /// The coordinator's HTTP port; 0: any free one.
    public var port: Int
    public var openBrowser: Bool
    /// Journal and logs go here; nil: a new temporary folder.
    public var runDirectory: String?
    public var printProgress: Bool

    public init(scenarioPath: String, replicas: Int? = nil, rps: Double? = nil, speed: Double = 1, port: Int = 0,
                openBrowser: Bool = false, runDirectory: String? = nil, printProgress: Bool = true) {
        self.scenarioPath = scenarioPath
        self.replicas = replicas
        self.rps = rps
        self.speed = speed
        self.port = port
        self.openBrowser = openBrowser
        self.runDirectory = runDirectory
        self.printProgress = printProgress
    }
}
