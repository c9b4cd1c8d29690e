import CCanaryShm

/// The words behind a refusal (`canary_problem`), described by the one C
/// implementation so Swift, C and Python name a cause the same way.
public struct ShmProblem: Sendable, Hashable, CustomStringConvertible {
    let problem: canary_problem

    init(_ problem: canary_problem) { self.problem = problem }

    public var status: canary_status { problem.status }
    public var isOK: Bool { problem.status == CANARY_OK }

    public var description: String {
        var p = problem
        var buffer = [CChar](repeating: 0, count: 256)
        _ = buffer.withUnsafeMutableBufferPointer { canary_problem_text(&p, $0.baseAddress, $0.count) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func == (a: ShmProblem, b: ShmProblem) -> Bool {
        a.problem.status == b.problem.status && a.problem.entry == b.problem.entry && a.problem.other == b.problem.other
            && a.problem.value == b.problem.value && a.problem.expected == b.problem.expected
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(problem.status.rawValue)
        hasher.combine(problem.value)
    }
}
