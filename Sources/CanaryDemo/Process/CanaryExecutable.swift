#if canImport(Glibc)
import Glibc
#endif

/// The running `canary` binary: the demo's children are the same executable.
enum CanaryExecutable {
    static func path() throws -> String {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw DemoError("cannot find the canary executable (/proc/self/exe)") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
