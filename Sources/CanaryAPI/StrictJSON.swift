/// JSON read exactly as written, for request bodies: `true` is a boolean,
/// `"50"` a string and `5` a number, never one for another (Foundation's
/// `JSONDecoder` on Linux turns `true` into 1 and 1 into `true`). Numbers
/// keep their text, so a caller can tell `5` from `5.0` and refuse `1e400`.
/// Only RFC 8259 JSON: no NaN, no Infinity, no comments, no trailing commas,
/// no duplicate keys; nesting is bounded.
public enum StrictJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as sent (valid JSON number syntax).
    case number(String)
    case string(String)
    case array([StrictJSON])
    case object([(key: String, value: StrictJSON)])

    public static func == (lhs: StrictJSON, rhs: StrictJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// What a message calls this value's type.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool(let value): "a boolean (\(value))"
        case .number(let text): "the number \(text)"
        case .string(let text): "a string (\"\(text.prefix(40))\")"
        case .array: "an array"
        case .object: "an object"
        }
    }

    public static let maxDepth = 32

    /// Parses a whole document; the error says what is wrong and at which byte.
    public static func parse(_ bytes: some Collection<UInt8>) throws(CoordinatorError) -> StrictJSON {
        var parser = StrictJSONParser(bytes: Array(bytes))
        return try parser.document()
    }
}

struct StrictJSONParser {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func document() throws(CoordinatorError) -> StrictJSON {
        skipSpace()
        let value = try self.value(depth: 0)
        skipSpace()
        guard index == bytes.count else { throw fail("unexpected text after the JSON value") }
        return value
    }

    func fail(_ message: String) -> CoordinatorError {
        CoordinatorError(.badRequest, "the body is not valid JSON: \(message) at byte \(index)")
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func literal(_ word: String, _ value: StrictJSON) throws(CoordinatorError) -> StrictJSON {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw fail("unknown word (NaN, Infinity and unquoted text are not JSON)")
        }
        index += expected.count
        return value
    }

    mutating func value(depth: Int) throws(CoordinatorError) -> StrictJSON {
        guard depth < StrictJSON.maxDepth else { throw fail("nested deeper than \(StrictJSON.maxDepth) levels") }
        guard index < bytes.count else { throw fail("the body ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected character '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    mutating func object(depth: Int) throws(CoordinatorError) -> StrictJSON {
        index += 1
        var members: [(key: String, value: StrictJSON)] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a quoted key") }
            let key = try string()
            guard !members.contains(where: { $0.key == key }) else { throw fail("the key \"\(key)\" appears twice") }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a key") }
            index += 1
            skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard index < bytes.count else { throw fail("the object is not closed") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
            index += 1
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(CoordinatorError) -> StrictJSON {
        index += 1
        var items: [StrictJSON] = []
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard index < bytes.count else { throw fail("the array is not closed") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
            index += 1
            return .array(items)
        }
    }

    mutating func number() throws(CoordinatorError) -> String {
        let start = index
        func digits(_ parser: inout StrictJSONParser) -> Int {
            let from = parser.index
            while parser.index < parser.bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(parser.bytes[parser.index]) {
                parser.index += 1
            }
            return parser.index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integer = index
        guard digits(&self) > 0 else { throw fail("a number needs digits") }
        if bytes[integer] == UInt8(ascii: "0"), index - integer > 1 { throw fail("numbers do not start with 0") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw fail("a number needs digits after '.'") }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw fail("a number needs digits in its exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    mutating func string() throws(CoordinatorError) -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() { scalars.append(contentsOf: String(decoding: raw, as: UTF8.self).unicodeScalars); raw.removeAll() }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard String(validating: raw, as: UTF8.self) != nil || raw.isEmpty else { throw fail("the string is not UTF-8") }
                flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                guard String(validating: raw, as: UTF8.self) != nil || raw.isEmpty else { throw fail("the string is not UTF-8") }
                flush()
                scalars.append(try escape())
            case 0x00..<0x20:
                throw fail("control characters must be escaped in strings")
            default:
                raw.append(byte)
            }
        }
        throw fail("the string is not closed")
    }

    mutating func escape() throws(CoordinatorError) -> Unicode.Scalar {
        guard index < bytes.count else { throw fail("the string is not closed") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw fail("a lone UTF-16 surrogate")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low),
                      let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)) else {
                    throw fail("a lone UTF-16 surrogate")
                }
                return scalar
            }
            guard let scalar = Unicode.Scalar(high) else { throw fail("a lone UTF-16 surrogate") }
            return scalar
        default:
            throw fail("unknown escape '\\\(Character(Unicode.Scalar(byte)))'")
        }
    }

    mutating func hex4() throws(CoordinatorError) -> UInt32 {
        guard bytes.count - index >= 4,
              let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16) else {
            throw fail("\\u needs four hex digits")
        }
        index += 4
        return value
    }
}
