import CanaryConfig
import CanaryCore
import CanarySimulator
import Foundation
import Testing

/// Every file shipped in agent-config/ loads with the strict layer: a key
/// renamed in the code without the examples (or the reverse) fails here.
@Suite("Example files")
struct ExampleFilesTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("agent-config")

    static func yamlFiles(_ sub: String = "") -> [String] {
        let dir = directory.appendingPathComponent(sub)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    @Test("every agent-config/*.yaml loads as what its name says")
    func configs() throws {
        let files = Self.yamlFiles()
        #expect(files.count >= 4, "\(files)")
        for path in files {
            let name = (path as NSString).lastPathComponent
            if name.hasPrefix("agent") {
                _ = try AgentConfig.load(path: path)
            } else if name.hasPrefix("coordinator") {
                _ = try CoordinatorConfig.load(path: path)
            } else if name.hasPrefix("rollout") {
                _ = try RolloutPlan.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
            } else {
                Issue.record("\(name): no loader for this kind of example; name it agent*, coordinator* or rollout*")
            }
        }
    }

    @Test("the example allow-list loads without issues")
    func allowList() throws {
        let list = try AllowList.load(path: Self.directory.appendingPathComponent("security/allow-list.example.yaml").path)
        #expect(list.issues.isEmpty, "\(list.issues)")
        #expect(list.entries.count == 2)
        #expect(list.entries.values.contains { $0.allows(agentID: "fraud-canary-7") && $0.allows(version: "v3") })
    }

    @Test("every scenario loads, its plan included")
    func scenarios() throws {
        let files = Self.yamlFiles("scenarios")
        #expect(files.count >= 8, "\(files)")
        for path in files {
            let (scenario, _, plan) = try Scenario.load(path: path)
            #expect(scenario.name == ((path as NSString).lastPathComponent as NSString).deletingPathExtension)
            #expect(!plan.guards.isEmpty)
        }
    }
}

/// A scenario's inline plan is part of the scenario file: its issues carry
/// the scenario file's lines and columns, not the plan block's.
@Suite("Scenario plans")
struct ScenarioPlanTests {
    @Test("an inline plan's issue points at its line in the scenario file")
    func inlinePlanIssueLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inline-plan-\(getpid()).yaml").path
        try """
            name: s
            expect: {outcome: promoted}
            plan: |
              model: m
              baseline: v1
              canary: v2
              steps: [10%, 150%]
              guards:
                - metric: error_rate
                  tolerance: 20%
            """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { _ = try Scenario.load(path: path) } throws: { error in
            "\(error)".contains("\(path):7:16: steps[1] \"150%\" is over 100 %")
        }
    }
}
