/// Parses replay traces (CSV as CSVRecords reads it). The header names the
/// columns, in any order; columns replay does not use are ignored (and
/// named, so a typo in a required one is seen). A malformed row is
/// reported with its line and skipped; the rest still replays. What leaves
/// nothing to replay — no header, a required column missing, no rows, an
/// unterminated quote — is thrown.
public enum TraceCSV {
    public static let columns = ["t_ms", "key", "version", "latency_ms", "status", "prediction", "label"]

    public struct Parsed: Sendable, Equatable {
        public var rows: [TraceRow]
        /// Malformed rows, skipped.
        public var issues: [TraceIssue]
        /// Header names replay does not use, in file order.
        public var ignoredColumns: [String]
    }

    public static func parse(_ text: String) throws(TraceIssue) -> Parsed {
        let records = try CSVRecords(text).records()
        let expected = "expected a header naming the columns \(columns.joined(separator: ",")) (in any order; others are ignored)"
        guard let header = records.first else {
            throw TraceIssue(line: 0, message: "the trace is empty; \(expected)")
        }
        if let problem = header.problem { throw TraceIssue(line: header.line, message: "the header is malformed: \(problem)") }
        var index: [String: Int] = [:]
        for (i, name) in header.fields.enumerated() {
            if let earlier = index[name] {
                throw TraceIssue(line: header.line, message: "the header names column \"\(name)\" twice (fields \(earlier + 1) and \(i + 1))")
            }
            index[name] = i
        }
        let missing = columns.filter { index[$0] == nil }
        if !missing.isEmpty {
            throw TraceIssue(line: header.line, message: "the header lacks \(missing.joined(separator: ", ")) (it has \(header.fields.joined(separator: ","))); \(expected)")
        }
        guard records.count > 1 else {
            throw TraceIssue(line: header.line, message: "the trace has a header but no rows")
        }
        var rows: [TraceRow] = []
        var issues: [TraceIssue] = []
        for record in records.dropFirst() {
            if let problem = record.problem {
                issues.append(TraceIssue(line: record.line, message: problem))
                continue
            }
            guard record.fields.count == header.fields.count else {
                issues.append(TraceIssue(line: record.line, message: "expected \(header.fields.count) fields (as the header has), found \(record.fields.count)"))
                continue
            }
            switch parseRow(record.fields, columns: index, line: record.line) {
            case .success(let row): rows.append(row)
            case .failure(let issue): issues.append(issue)
            }
        }
        guard !rows.isEmpty else {
            throw TraceIssue(line: 0, message: "none of the trace's \(records.count - 1) rows is valid (the first problem: line \(issues[0].line): \(issues[0].message))")
        }
        let used = Set(columns)
        return Parsed(rows: rows, issues: issues, ignoredColumns: header.fields.filter { !used.contains($0) })
    }

    static func parseRow(_ fields: [String], columns: [String: Int], line: Int) -> Result<TraceRow, TraceIssue> {
        func field(_ name: String) -> String { fields[columns[name]!].trimmingBlanks() }
        guard let t = Int64(field("t_ms")) else { return .failure(TraceIssue(line: line, message: "t_ms \"\(field("t_ms"))\" is not a whole number of milliseconds")) }
        guard let key = UInt64(field("key")) else { return .failure(TraceIssue(line: line, message: "key \"\(field("key"))\" is not an unsigned 64-bit integer")) }
        let version = field("version")
        guard !version.isEmpty else { return .failure(TraceIssue(line: line, message: "version is empty")) }
        guard let latency = Double(field("latency_ms")), latency.isFinite, latency >= 0 else {
            return .failure(TraceIssue(line: line, message: "latency_ms \"\(field("latency_ms"))\" is not a non-negative number"))
        }
        guard let status = StatusClass(rawValue: field("status")) else {
            return .failure(TraceIssue(line: line, message: "status \"\(field("status"))\" is not one of ok, client_error, server_error, timeout"))
        }
        var prediction: Int32?
        if !field("prediction").isEmpty {
            guard let p = Int32(field("prediction")) else { return .failure(TraceIssue(line: line, message: "prediction \"\(field("prediction"))\" is not a 32-bit class number")) }
            prediction = p
        }
        var label: Int32?
        if !field("label").isEmpty {
            guard let l = Int32(field("label")) else { return .failure(TraceIssue(line: line, message: "label \"\(field("label"))\" is not a 32-bit class number")) }
            label = l
        }
        return .success(TraceRow(line: line, tMs: t, key: key, version: version, latencyMs: latency, status: status, prediction: prediction, label: label))
    }
}
