/// Parses replay traces. Malformed rows are reported (with their line) and
/// skipped; the rest of the trace still replays.
public enum TraceCSV {
    public static let columns = ["t_ms", "key", "version", "latency_ms", "status", "prediction", "label"]

    public static func parse(_ text: String) -> (rows: [TraceRow], issues: [TraceIssue]) {
        var rows: [TraceRow] = []
        var issues: [TraceIssue] = []
        var index: [String: Int]?
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.last == "\r" { line = line.dropLast() }
            if line.trimmingBlanks().isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
            guard let columns = index else {
                var found: [String: Int] = [:]
                for (i, name) in fields.enumerated() { found[name] = i }
                let missing = Self.columns.filter { found[$0] == nil }
                if !missing.isEmpty {
                    issues.append(TraceIssue(line: lineNumber, message: "the header lacks \(missing.joined(separator: ", ")); expected \(Self.columns.joined(separator: ","))"))
                    return (rows, issues)
                }
                index = found
                continue
            }
            switch parseRow(fields, columns: columns, line: lineNumber) {
            case .success(let row): rows.append(row)
            case .failure(let issue): issues.append(issue)
            }
        }
        if index == nil { issues.append(TraceIssue(line: 0, message: "the trace is empty; expected a header \(Self.columns.joined(separator: ","))")) }
        return (rows, issues)
    }

    static func parseRow(_ fields: [String], columns: [String: Int], line: Int) -> Result<TraceRow, TraceIssue> {
        func field(_ name: String) -> String { fields.indices.contains(columns[name]!) ? fields[columns[name]!] : "" }
        guard fields.count >= columns.count else {
            return .failure(TraceIssue(line: line, message: "expected \(columns.count) fields, found \(fields.count)"))
        }
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
