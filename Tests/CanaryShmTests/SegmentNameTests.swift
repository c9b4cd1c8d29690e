import CanaryShm
import Testing

/// The one shared-memory name rule (agent config and segments share it).
@Suite("Segment names")
struct SegmentNameTests {
    @Test(arguments: ["/a", "/canary.fraud-model.v2.0", "/" + String(repeating: "x", count: 254)])
    func usable(name: String) {
        #expect(SegmentName.problem(name) == nil)
    }

    @Test("refused with the reason", arguments: [
        ("canary", "must start with '/'"), ("", "must start with '/'"), ("/a/b", "no other '/'"),
        ("/", "needs a name after"), ("/" + String(repeating: "x", count: 255), "256 bytes long; the limit is 255"),
        ("/a\u{0}b", "NUL"),
    ])
    func refused(name: String, says: String) {
        #expect(SegmentName.problem(name)?.contains(says) == true, "\(SegmentName.problem(name) ?? "accepted")")
    }

    @Test("the limit counts bytes, not characters")
    func bytes() {
        let name = "/" + String(repeating: "é", count: 128)  // 257 bytes, 129 characters
        #expect(SegmentName.problem(name)?.contains("limit is 255") == true)
    }
}
