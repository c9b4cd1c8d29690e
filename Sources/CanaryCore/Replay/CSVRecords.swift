/// Splits CSV text into records as RFC 4180 defines them — and as Python's
/// `csv` module, spreadsheets and `pandas.to_csv` write them: CRLF or LF
/// line ends, fields quoted with `"` may hold commas, line ends and doubled
/// quotes (`""`), a UTF-8 byte-order mark before the first field is dropped.
/// Also skipped: blank lines and lines starting with `#`.
///
/// Works on Unicode scalars, not Characters: Swift reads "\r\n" as one
/// Character, so splitting a CRLF file on "\n" finds no line at all.
struct CSVRecords {
    struct Record {
        /// The line the record starts on (1-based).
        var line: Int
        var fields: [String]
        /// Why the record is malformed (it is then skipped); nil when fine.
        var problem: String?
    }

    private let scalars: [Unicode.Scalar]

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        self.scalars = scalars
    }

    /// Every record, in order. Throws only what leaves the rest of the file
    /// unreadable: a quoted field never closed.
    func records() throws(TraceIssue) -> [Record] {
        var records: [Record] = []
        var i = 0
        var line = 1
        let n = scalars.count
        /// Consumes a line end at `i` (CRLF, LF or a lone CR); false if none is there.
        func lineEnd() -> Bool {
            guard i < n else { return false }
            if scalars[i] == "\r" {
                i += 1
                if i < n, scalars[i] == "\n" { i += 1 }
            } else if scalars[i] == "\n" {
                i += 1
            } else {
                return false
            }
            line += 1
            return true
        }
        while i < n {
            let start = line
            if scalars[i] == "#" {
                while i < n, !lineEnd() { i += 1 }
                continue
            }
            var fields: [String] = []
            var problem: String?
            var field = String.UnicodeScalarView()
            var quoted = false
            while true {
                if i >= n || lineEnd() {
                    fields.append(quoted ? String(field) : String(field).trimmingBlanks())
                    break
                }
                let c = scalars[i]
                if c == "," {
                    fields.append(quoted ? String(field) : String(field).trimmingBlanks())
                    field = String.UnicodeScalarView()
                    quoted = false
                    i += 1
                } else if c == "\"" && String(field).trimmingBlanks().isEmpty && !quoted {
                    // A quoted field: up to the quote not doubled.
                    let opened = line
                    field = String.UnicodeScalarView()
                    quoted = true
                    i += 1
                    while true {
                        guard i < n else {
                            throw TraceIssue(line: opened, message: "the quoted field \(fields.count + 1) opened on this line is never closed (unterminated quote): the rest of the file would be one field")
                        }
                        if scalars[i] == "\"" {
                            if i + 1 < n, scalars[i + 1] == "\"" {
                                field.append("\"")
                                i += 2
                                continue
                            }
                            i += 1
                            break
                        }
                        if scalars[i] == "\r" || scalars[i] == "\n" {
                            field.append(contentsOf: scalars[i] == "\r" && i + 1 < n && scalars[i + 1] == "\n" ? ["\r", "\n"] : [scalars[i]])
                            _ = lineEnd()
                            continue
                        }
                        field.append(scalars[i])
                        i += 1
                    }
                    // Only blanks may follow before the comma or the line end.
                    while i < n, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
                    if i < n, scalars[i] != ",", scalars[i] != "\r", scalars[i] != "\n" {
                        problem = problem ?? "field \(fields.count + 1) goes on after its closing quote (\"\(scalars[i])\"); a quote inside a quoted field is written twice (\"\")"
                        while i < n, scalars[i] != ",", scalars[i] != "\r", scalars[i] != "\n" { i += 1 }
                    }
                } else {
                    if c == "\"" {
                        problem = problem ?? "a quote inside the unquoted field \(fields.count + 1); quote the whole field and write the quote twice (\"a\"\"b\")"
                    }
                    field.append(c)
                    i += 1
                }
            }
            if fields.count == 1, fields[0].isEmpty, problem == nil { continue }  // a blank line
            records.append(Record(line: start, fields: fields, problem: problem))
        }
        return records
    }
}
