import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// `canary demo` as a whole: one run, or `--measure N` runs, inside a
/// `ServiceGroup`, so Ctrl-C and SIGTERM are a graceful shutdown that the
/// run notices, stops every process it started and still prints its summary.
public struct DemoSession: Sendable {
    public var options: DemoOptions
    /// nil: one run with its progress; N: N quiet runs and their medians.
    public var measure: Int?
    public var quiet: Bool
    /// Where the summary of the (last) run is written as JSON.
    public var summaryJSON: String?

    public init(options: DemoOptions, measure: Int? = nil, quiet: Bool = false, summaryJSON: String? = nil) {
        self.options = options
        self.measure = measure
        self.quiet = quiet
        self.summaryJSON = summaryJSON
    }

    /// Runs the demo; returns the process exit status (0 passed, 1 failed,
    /// 130 interrupted).
    public func run(logger: Logger) async throws -> Int32 {
        let service = DemoService(session: self)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        let summaries = service.summaries
        if summaries.contains(where: { $0.outcome == "interrupted" }) { return 130 }
        if let measure {
            print(DemoMeasurement(summaries: summaries).report)
            return summaries.count == measure && summaries.allSatisfy(\.passed) ? 0 : 1
        }
        guard let summary = summaries.first else { return 1 }
        if quiet { print("\(summary.scenario): \(summary.outcome) (expected \(summary.expectedOutcome))") }
        return summary.passed ? 0 : 1
    }

    func runs() async throws -> [DemoSummary] {
        var summaries: [DemoSummary] = []
        let count = measure ?? 1
        for i in 0..<count {
            var options = self.options
            if measure != nil {
                print("run \(i + 1)/\(count) …")
                fflush(nil)
                options.printProgress = false
                options.openBrowser = false
            }
            let demo = try DemoRun(options: options)
            let summary = await demo.run()
            if let summaryJSON {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(summary).write(to: URL(fileURLWithPath: summaryJSON))
            }
            summaries.append(summary)
            if summary.outcome == "interrupted" { break }
        }
        return summaries
    }
}

/// The demo's one `Service`: returns when the runs are done, or early when
/// the group shuts down gracefully (each run checks).
final class DemoService: Service {
    let session: DemoSession
    private let results = Mutex<[DemoSummary]>([])

    init(session: DemoSession) { self.session = session }

    var summaries: [DemoSummary] { results.withLock { $0 } }

    func run() async throws {
        let summaries = try await session.runs()
        results.withLock { $0 = summaries }
    }
}
