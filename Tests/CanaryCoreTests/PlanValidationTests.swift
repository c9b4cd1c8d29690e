import Testing

@testable import CanaryCore

@Suite("Rollout plan validation (JSON / code)")
struct PlanValidationTests {
    @Test func programmaticPlansAreCheckedToo() throws {
        try Fixture.plan().validate()
        var bad = Fixture.plan(steps: [500_000, 100_000, 2_000_000], pauseBefore: [42])
        bad.alpha = 0
        do {
            try bad.validate(file: "api")
            Issue.record("validation should fail")
        } catch {
            let messages = error.issues.map(\.message)
            #expect(messages.contains { $0.contains("steps must increase") })
            #expect(messages.contains { $0.contains("over 100 %") })
            #expect(messages.contains { $0.contains("pause_before") })
            #expect(messages.contains { $0.contains("alpha") })
            #expect(error.issues.allSatisfy { $0.file == "api" })
        }
    }
}
