import CanaryCore
import Yams

/// One value of a configuration file with its place (`ring.capacity`,
/// `webhooks[0].url`) and position. The typed getters return nil when the
/// value is unusable and record an issue saying why, so the reader carries
/// on and reports every problem of the file at once.
public struct ConfigNode {
    let node: Node
    /// Dotted key path from the root, `[i]` for list items.
    public let path: String
    let document: ConfigDocument

    init(node: Node, path: String, document: ConfigDocument) {
        self.node = node
        self.path = path
        self.document = document
    }

    // Yams marks are 1-based already.
    public var line: Int { node.mark?.line ?? 0 }
    public var column: Int { node.mark?.column ?? 0 }

    /// The text of a scalar (null included), nil for a mapping or a list.
    public var scalar: String? {
        if case .scalar(let scalar) = node { return scalar.string }
        return nil
    }

    /// The value as messages show it: the quoted text, or what it is.
    public var quoted: String {
        if case .scalar(let scalar) = node { return document.quoted(scalar.string) }
        return node.mapping != nil ? "(a mapping)" : "(a list)"
    }

    /// For a block scalar (`|` or `>`), the line its text starts on: what a
    /// file embedded in it (a scenario's inline plan) counts its lines from.
    public var blockTextFirstLine: Int? {
        guard case .scalar(let scalar) = node, scalar.style == .literal || scalar.style == .folded else { return nil }
        return line + 1
    }

    /// Records an issue located at this value.
    public func fail(_ message: String) {
        document.add(ConfigIssue(file: document.file, line: line, column: column, message: message))
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The last key of the path: the noun messages use for an item.
    var key: String {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        return last.split(separator: "[").first.map(String.init) ?? last
    }

    // MARK: Structure

    public func mapping(allowed: Set<String>) -> ConfigMapping? {
        guard case .mapping(let mapping) = node else {
            fail("\(path.isEmpty ? "the \(document.name)" : path) must be a mapping of keys to values, got \(quoted)")
            return nil
        }
        return ConfigMapping(node: self, mapping: mapping, allowed: allowed)
    }

    public func list() -> [ConfigNode]? {
        guard case .sequence(let sequence) = node else {
            fail("\(path) must be a list, got \(quoted)")
            return nil
        }
        return sequence.enumerated().map { ConfigNode(node: $0.element, path: "\(path)[\($0.offset)]", document: document) }
    }

    // MARK: Scalars

    /// Any scalar but null (`~` or nothing after the colon).
    public func string() -> String? {
        guard case .scalar(let scalar) = node, scalar.tag.rawValue != Tag.Name.null.rawValue else {
            fail("\(path) must be a string, got \(quoted)")
            return nil
        }
        return scalar.string
    }

    public func nonEmptyString() -> String? {
        guard let text = string() else { return nil }
        guard !text.isEmpty else {
            fail("\(path) must not be empty")
            return nil
        }
        return text
    }

    public func integer(in range: ClosedRange<Int64>) -> Int64? {
        guard let text = scalar, let number = Int64(text.trimmingBlanks().filter({ $0 != "_" })) else {
            fail("\(path) \(quoted) must be a whole number")
            return nil
        }
        return checked(number, range, RangeText.describe(range))
    }

    public func number(in range: ClosedRange<Double> = -Double.infinity...Double.infinity) -> Double? {
        guard let text = scalar, let number = Double(text.trimmingBlanks()), number.isFinite else {
            fail("\(path) \(quoted) must be a number")
            return nil
        }
        return checked(number, range, RangeText.describe(range))
    }

    public func bool() -> Bool? {
        switch scalar?.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            fail("\(path) \(quoted) must be true or false")
            return nil
        }
    }

    /// A duration (`DurationText`) in milliseconds within `range`.
    public func durationMs(in range: ClosedRange<Int64>) -> Int64? {
        guard let text = scalar, let ms = DurationText.milliseconds(text) else {
            fail("\(path) \(quoted) is not a duration; write e.g. 500ms, 30s, 5m or 1h")
            return nil
        }
        return checked(ms, range, RangeText.describe(range, unit: " ms"))
    }

    /// A share (`PercentText`: `5%` or `0.05`) as a fraction within `range`.
    public func fraction(in range: ClosedRange<Double>) -> Double? {
        guard let text = scalar, let value = PercentText.fraction(text) else {
            fail("\(path) \(quoted) is not a share; write e.g. 5% or 0.05")
            return nil
        }
        guard !isBareAboveOne(text, value) else { return nil }
        return checked(value, range, RangeText.describePercent(range))
    }

    /// A weight (`PercentText`) in parts per million within `range`.
    public func ppm(in range: ClosedRange<Int64>) -> Int64? {
        guard let text = scalar, let fraction = PercentText.fraction(text) else {
            fail("\(path) \(quoted) is not a weight; write a percentage such as 5% or 0.1%")
            return nil
        }
        guard !isBareAboveOne(text, fraction) else { return nil }
        let ppm = PercentText.ppm(fraction: fraction)
        if ppm > range.upperBound {
            fail("\(path) \(quoted) is over \(PercentText.text(ppm: range.upperBound, separator: " "))")
            return nil
        }
        if ppm < range.lowerBound {
            let floor = range.lowerBound - 1
            fail("\(path) \(quoted) must be above \(PercentText.text(ppm: floor, separator: " ")) (the smallest weight is 0.0001 %)")
            return nil
        }
        return ppm
    }

    /// One of `names`; `what` names the value in the message ("event").
    public func oneOf(_ names: [String], what: String? = nil) -> String? {
        if let text = scalar, names.contains(text) { return text }
        let choices = names.count == 2 ? "\(names[0]) or \(names[1])" : "one of \(names.joined(separator: ", "))"
        fail("unknown \(what ?? key) \(quoted): \(path) must be \(choices)")
        return nil
    }

    public func oneOf<Value: RawRepresentable & CaseIterable>(_ type: Value.Type, what: String? = nil) -> Value?
    where Value.RawValue == String {
        oneOf(Value.allCases.map(\.rawValue), what: what).flatMap(Value.init(rawValue:))
    }

    /// A list whose items `item` reads; nil when not a list or any item is bad.
    public func list<Item>(of item: (ConfigNode) -> Item?) -> [Item]? {
        guard let nodes = list() else { return nil }
        let items = nodes.map(item)
        return items.contains { $0 == nil } ? nil : items.compactMap { $0 }
    }

    /// A bare share is a fraction (1 = 100 %), so `tolerance: 20` would mean
    /// 2 000 %: almost always a percentage without its sign. Refused with
    /// both spellings of what was probably meant, never read as written.
    private func isBareAboveOne(_ text: String, _ value: Double) -> Bool {
        guard !text.trimmingBlanks().hasSuffix("%"), value > 1 else { return false }
        let number = text.trimmingBlanks()
        let fraction = value / 100
        let fix = fraction <= 1 ? "\(number)% or \(fraction)" : "\(number)%"
        fail("\(path) \(quoted) is a bare number above 1; a bare share is a fraction (1 = 100 %), so it would mean \(PercentText.sentence(value)): write \(fix)")
        return true
    }

    private func checked<Value: Comparable>(_ value: Value, _ range: ClosedRange<Value>, _ text: String) -> Value? {
        guard range.contains(value) else {
            fail("\(path) \(quoted) must be \(text)")
            return nil
        }
        return value
    }
}
