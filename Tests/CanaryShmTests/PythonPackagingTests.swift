import Foundation
import Testing

/// Installing the Python client must not write into the checkout: pip and
/// `python -m build` run against a read-only copy (scripts/check-python-package
/// says how), the sdist carries the header, and both installs import and record.
@Suite struct PythonPackagingTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("pip install and python -m build from a read-only copy: nothing written, sdist + wheel, both import")
    func buildsFromReadOnlyCopy() throws {
        let script = Self.root.appendingPathComponent("scripts/check-python-package")
        let process = Process()
        process.executableURL = script
        process.currentDirectoryURL = Self.root
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "scripts/check-python-package failed:\n\(text)")
        #expect(text.contains("nothing written into the tree"), "\(text)")
    }
}
