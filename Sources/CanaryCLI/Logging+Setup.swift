import Logging

/// Logging for the daemons: swift-log's stream handler on stderr at the
/// configured level, bootstrapped once per process.
enum LogSetup {
    static func logger(label: String, level: String) -> Logger {
        LoggingBootstrapState.once
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }
}

private enum LoggingBootstrapState {
    static let once: Void = {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
    }()
}
