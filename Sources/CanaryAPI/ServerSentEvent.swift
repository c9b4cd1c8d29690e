/// One server-sent event: its `event:` type ("message" when none was given)
/// and its `data:` lines joined with newlines.
public struct ServerSentEvent: Sendable, Equatable {
    public var type: String
    public var data: String

    public init(type: String, data: String) {
        self.type = type
        self.data = data
    }
}

/// Splits an event stream's bytes into events: blocks separated by a blank
/// line, made of `event:` and `data:` fields; `:` comments (the server's
/// keep-alives) and unknown fields are ignored, as the SSE spec says.
/// Bytes may arrive cut anywhere, mid-line included.
public struct ServerSentEventParser: Sendable {
    private var pending: [UInt8] = []

    public init() {}

    /// The events completed by `bytes`; an incomplete one waits for more.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        pending.append(contentsOf: bytes.lazy.filter { $0 != UInt8(ascii: "\r") })
        var events: [ServerSentEvent] = []
        var start = 0
        var index = 0
        while index + 1 < pending.count {
            if pending[index] == UInt8(ascii: "\n"), pending[index + 1] == UInt8(ascii: "\n") {
                if let event = Self.parse(String(decoding: pending[start..<index], as: UTF8.self)) { events.append(event) }
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        pending.removeFirst(start)
        return events
    }

    static func parse(_ block: String) -> ServerSentEvent? {
        var type = "message"
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
            let (field, value) = Self.field(line)
            switch field {
            case "event": type = value
            case "data": data.append(value)
            default: continue
            }
        }
        return data.isEmpty ? nil : ServerSentEvent(type: type, data: data.joined(separator: "\n"))
    }

    /// `name: value` (one optional space after the colon), or a bare `name`.
    private static func field(_ line: Substring) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (String(line), "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}
