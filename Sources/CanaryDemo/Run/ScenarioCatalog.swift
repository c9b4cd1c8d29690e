import Foundation

/// Finds a scenario by name: in agent-config/scenarios/ under the current
/// folder or its parents (a checkout), then next to the executable's
/// checkout (`.build/debug/canary` → the repository root).
public enum ScenarioCatalog {
    public static func path(for nameOrPath: String) throws -> String {
        let fm = FileManager.default
        if nameOrPath.hasSuffix(".yaml") || nameOrPath.contains("/") {
            guard fm.fileExists(atPath: nameOrPath) else { throw DemoError("no scenario file at \(nameOrPath)") }
            return nameOrPath
        }
        var roots: [String] = []
        var dir = fm.currentDirectoryPath
        while !dir.isEmpty && dir != "/" {
            roots.append(dir)
            dir = (dir as NSString).deletingLastPathComponent
        }
        if let exe = try? CanaryExecutable.path() {
            var dir = (exe as NSString).deletingLastPathComponent
            while !dir.isEmpty && dir != "/" {
                roots.append(dir)
                dir = (dir as NSString).deletingLastPathComponent
            }
        }
        for root in roots {
            let candidate = root + "/agent-config/scenarios/\(nameOrPath).yaml"
            if fm.fileExists(atPath: candidate) { return candidate }
        }
        let known = roots.lazy.compactMap { try? fm.contentsOfDirectory(atPath: $0 + "/agent-config/scenarios") }.first ?? []
        let names = known.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        throw DemoError("no scenario named '\(nameOrPath)'" + (names.isEmpty ? "" : "; known: \(names.joined(separator: ", "))"))
    }
}
