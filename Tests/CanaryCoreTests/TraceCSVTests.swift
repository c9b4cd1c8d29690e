import Testing

@testable import CanaryCore

/// Traces as people really have them: written by Python's `csv` module,
/// spreadsheets and pandas (RFC 4180), and every way they go wrong.
@Suite("Trace CSV")
struct TraceCSVTests {
    static let header = "t_ms,key,version,latency_ms,status,prediction,label"

    /// The rows without their line numbers, for comparing files laid out differently.
    static func values(_ csv: String) throws -> [TraceRow] {
        try TraceCSV.parse(csv).rows.map { var row = $0; row.line = 0; return row }
    }

    @Test("CRLF, a byte-order mark, quoted fields, extra columns in any order read as the plain file")
    func realWorldLayouts() throws {
        let plain = Self.header + "\n0,1,v1,5.5,ok,2,2\n10,2,v2,7,server_error,,\n"
        let expected = try Self.values(plain)
        #expect(expected.count == 2)
        // Python's csv.writer: CRLF line ends (the file the issue came with).
        #expect(try Self.values(plain.replacingOccurrences(of: "\n", with: "\r\n")) == expected)
        // encoding="utf-8-sig" (Excel's CSV UTF-8): a byte-order mark first.
        #expect(try Self.values("\u{FEFF}" + plain) == expected)
        // Quoted fields, an extra column with commas, quotes and a line end
        // inside, the columns in another order.
        let shuffled = [
            "region,label,prediction,status,latency_ms,version,key,t_ms",
            #""eu-west, ""primary""",2,2,ok,5.5,"v1",1,0"#,
            "\"us",
            "east\",,,server_error,7,v2,2,10",
            "",
        ].joined(separator: "\r\n")
        let parsed = try TraceCSV.parse(shuffled)
        #expect(parsed.rows.map { var row = $0; row.line = 0; return row } == expected)
        #expect(parsed.ignoredColumns == ["region"])
        // The second row starts on line 3 and spans two lines.
        #expect(parsed.rows.map(\.line) == [2, 3])
        #expect(parsed.issues.isEmpty)
    }

    @Test("a quoted field keeps commas, doubled quotes and line ends; the lines after it keep their numbers")
    func quotedFields() throws {
        let csv = Self.header + "\n0,1,\"v,1\",5,ok,,\n1,2,\"v\"\"2\",5,ok,,\n2,3,\"a\nb\",5,ok,,\n3,4,v1,x,ok,,\n"
        let parsed = try TraceCSV.parse(csv)
        #expect(parsed.rows.map(\.version) == ["v,1", "v\"2", "a\nb"])
        #expect(parsed.issues == [TraceIssue(line: 6, message: "latency_ms \"x\" is not a non-negative number")])
    }

    @Test("each malformed row is reported with its line and skipped", arguments: [
        ("0,1,v1,5,ok,,,extra", "expected 7 fields (as the header has), found 8"),
        ("0,1,v1,5,ok", "expected 7 fields (as the header has), found 5"),
        ("zero,1,v1,5,ok,,", "t_ms \"zero\" is not a whole number of milliseconds"),
        ("0,1,v1,5ms,ok,,", "latency_ms \"5ms\" is not a non-negative number"),
        ("0,1,v1,5,fine,,", "status \"fine\" is not one of ok, client_error, server_error, timeout"),
        ("0,1,v1,5,ok,1.5,", "prediction \"1.5\" is not a 32-bit class number"),
        ("0,1,v1,5,ok,1,x", "label \"x\" is not a 32-bit class number"),
        ("0,1,,5,ok,,", "version is empty"),
        ("0,1,v\"1,5,ok,,", "a quote inside the unquoted field 3; quote the whole field and write the quote twice (\"a\"\"b\")"),
        ("0,1,\"v1\"x,5,ok,,", "field 3 goes on after its closing quote (\"x\"); a quote inside a quoted field is written twice (\"\")"),
    ])
    func malformedRow(row: String, message: String) throws {
        let parsed = try TraceCSV.parse(Self.header + "\r\n0,9,v1,5,ok,,\r\n" + row + "\r\n10,9,v2,5,ok,,\r\n")
        #expect(parsed.issues == [TraceIssue(line: 3, message: message)])
        #expect(parsed.rows.map(\.line) == [2, 4])
    }

    @Test("what leaves nothing to replay is an error naming the line", arguments: [
        ("", 0, "the trace is empty; expected a header naming the columns t_ms,key,version,latency_ms,status,prediction,label (in any order; others are ignored)"),
        ("\r\n\r\n# only a comment\r\n", 0, "the trace is empty; expected a header naming the columns t_ms,key,version,latency_ms,status,prediction,label (in any order; others are ignored)"),
        (header + "\r\n", 1, "the trace has a header but no rows"),
        ("t_ms,key,version,latency_ms,status,prediction\r\n0,1,v1,5,ok,\r\n", 1,
         "the header lacks label (it has t_ms,key,version,latency_ms,status,prediction); expected a header naming the columns t_ms,key,version,latency_ms,status,prediction,label (in any order; others are ignored)"),
        (header + ",key\n", 1, "the header names column \"key\" twice (fields 2 and 8)"),
        (header + "\n0,1,v1,5,ok,,\n1,2,\"v2,5,ok,,\n2,3,v1,5,ok,,\n", 3,
         "the quoted field 3 opened on this line is never closed (unterminated quote): the rest of the file would be one field"),
        (header + "\n0,1,v1\n", 0, "none of the trace's 1 rows is valid (the first problem: line 2: expected 7 fields (as the header has), found 3)"),
    ])
    func unusableTrace(csv: String, line: Int, message: String) {
        #expect(throws: TraceIssue(line: line, message: message)) { try TraceCSV.parse(csv) }
    }

    @Test("a trace without the plan's versions is refused, naming what it has and what the plan names")
    func planVersionsMissing() {
        let plan = Fixture.plan()
        func versions(_ names: [String]) -> String {
            Self.header + "\n" + names.enumerated().map { "\($0.offset),\($0.offset),\($0.element),5,ok,," }.joined(separator: "\n")
        }
        #expect(throws: TraceIssue(line: 0, message: "the trace has versions v41, v42; the plan names baseline v1 and canary v2, neither of which occurs in it")) {
            try TraceReplayer(plan: plan).run(csv: versions(["v41", "v42", "v41"]))
        }
        #expect(throws: TraceIssue(line: 0, message: "the trace has version v1 but no row of the plan's canary v2; nothing to judge against the baseline v1")) {
            try TraceReplayer(plan: plan).run(csv: versions(["v1", "v1"]))
        }
        #expect(throws: TraceIssue(line: 0, message: "the trace has versions v2, v3 but no row of the plan's baseline v1; nothing to compare the canary v2 with")) {
            try TraceReplayer(plan: plan).run(csv: versions(["v2", "v3"]))
        }
    }
}
