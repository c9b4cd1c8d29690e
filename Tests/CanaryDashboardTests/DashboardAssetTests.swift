import Foundation
import Testing

/// The dashboard's files are real HTML, CSS and ES modules in the package
/// (`Sources/CanaryCoordinator/Dashboard/Assets`): node's parser checks every
/// module and links the import graph (a missing export or file fails here,
/// not in a browser), and the page names only files the coordinator serves.
@Suite struct DashboardAssetTests {
    static let assets = packageRoot + "/Sources/CanaryCoordinator/Dashboard/Assets"

    static var moduleNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: assets)) ?? []).filter { $0.hasSuffix(".mjs") }.sorted()
    }

    @Test func everyModuleParses() async throws {
        guard let node = which(["node", "nodejs"]) else {
            Issue.record("node is not installed (Debian: apt-get install nodejs; scripts/install-deps does it for the tests)")
            return
        }
        #expect(Self.moduleNames.count >= 5, "the dashboard's modules: \(Self.moduleNames)")
        for name in Self.moduleNames {
            let run = try await runProcess(node, ["--check", Self.assets + "/" + name], timeout: 30)
            #expect(run.status == 0, "node --check \(name): \(run.stderr)")
        }
    }

    @Test func moduleGraphLinks() async throws {
        guard let node = which(["node", "nodejs"]) else {
            Issue.record("node is not installed (Debian: apt-get install nodejs)")
            return
        }
        let run = try await runProcess(node, ["--experimental-vm-modules", "--no-warnings",
                                              packageRoot + "/Tests/CanaryDashboardTests/check_modules.mjs", Self.assets], timeout: 30)
        #expect(run.status == 0, "the dashboard's modules do not link:\n\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("\(Self.moduleNames.count) modules checked, 0 problems"), "\(run.stdout)")
    }

    @Test func pageNamesOnlyItsOwnFiles() throws {
        let html = try String(contentsOfFile: Self.assets + "/dashboard.html", encoding: .utf8)
        let referenced = html.matches(of: /(?:href|src)="\/dashboard\/([^"]+)"/).map { String($0.output.1) }
        #expect(Set(referenced) == ["dashboard.css", "main.mjs"], "the page loads \(referenced)")
        for name in referenced {
            #expect(FileManager.default.fileExists(atPath: Self.assets + "/" + name), "the page names \(name), which is not in Assets/")
        }
    }
}
