import Yams

/// A YAML mapping of a configuration file, read strictly: unknown keys are
/// refused (a typo must not silently fall back to a default), every value is
/// type-checked, and every error names the file, the line and the key.
///
/// Used by the agent and coordinator configurations; rollout plans have
/// their own parser that collects all issues at once.
public struct ConfigMapping {
    public let file: String
    /// Where this mapping sits, e.g. "ring" for `ring.capacity` in messages.
    public let path: String
    private let node: Node
    private let fields: [String: Node]

    /// Parses `yaml` and checks the root's keys against `allowed`.
    public static func root(yaml: String, file: String, allowed: Set<String>) throws(ConfigError) -> ConfigMapping {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        } catch {
            throw ConfigError(file: file, message: "not valid YAML: \(error)")
        }
        guard let node else { throw ConfigError(file: file, message: "the file is empty") }
        return try ConfigMapping(node: node, file: file, path: "", allowed: allowed)
    }

    private init(node: Node, file: String, path: String, allowed: Set<String>) throws(ConfigError) {
        self.file = file
        self.path = path
        self.node = node
        guard let mapping = node.mapping else {
            throw ConfigError(file: file, line: Self.line(node), column: Self.column(node),
                              message: "\(path.isEmpty ? "the document" : "'\(path)'") must be a mapping of keys to values")
        }
        var fields: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else {
                throw ConfigError(file: file, line: Self.line(key), column: Self.column(key), message: "keys must be strings")
            }
            guard allowed.contains(name) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigError(file: file, line: Self.line(key), column: Self.column(key),
                                  message: "unknown key '\(Self.join(path, name))' (known keys: \(known))")
            }
            // Duplicate keys never get here: Yams refuses them while composing.
            fields[name] = value
        }
        self.fields = fields
    }

    public func has(_ key: String) -> Bool { fields[key] != nil }

    /// A nested mapping, or nil when absent.
    public func mapping(_ key: String, allowed: Set<String>) throws(ConfigError) -> ConfigMapping? {
        guard let value = fields[key] else { return nil }
        return try ConfigMapping(node: value, file: file, path: Self.join(path, key), allowed: allowed)
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = fields[key] else { return nil }
        guard let scalar = value.scalar, value.tag.rawValue != Tag.Name.null.rawValue else {
            throw error(value, "'\(Self.join(path, key))' must be a string")
        }
        return scalar.string
    }

    public func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = try string(key) else {
            throw ConfigError(file: file, line: Self.line(node), column: Self.column(node),
                              message: "missing required key '\(Self.join(path, key))'")
        }
        guard !value.isEmpty else { throw error(fields[key]!, "'\(Self.join(path, key))' must not be empty") }
        return value
    }

    public func integer(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let value = fields[key] else { return nil }
        guard let text = value.scalar?.string, let number = Int64(text.replacingUnderscores) else {
            throw error(value, "'\(Self.join(path, key))' must be a whole number, got '\(value.scalar?.string ?? "a collection")'")
        }
        guard range.contains(number) else {
            throw error(value, "'\(Self.join(path, key))' must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    public func number(_ key: String) throws(ConfigError) -> Double? {
        guard let value = fields[key] else { return nil }
        guard let text = value.scalar?.string, let number = Double(text), number.isFinite else {
            throw error(value, "'\(Self.join(path, key))' must be a number, got '\(value.scalar?.string ?? "a collection")'")
        }
        return number
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = fields[key] else { return nil }
        switch value.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(value, "'\(Self.join(path, key))' must be true or false")
        }
    }

    /// A duration such as `250ms`, `1s`, `5m`, `1h` (a bare number is seconds),
    /// in milliseconds, checked against `range`.
    public func durationMs(_ key: String, in range: ClosedRange<Int64>) throws(ConfigError) -> Int64? {
        guard let value = fields[key] else { return nil }
        guard let text = value.scalar?.string, let ms = Self.parseDurationMs(text) else {
            throw error(value, "'\(Self.join(path, key))' must be a duration like 250ms, 1s or 5m, got '\(value.scalar?.string ?? "a collection")'")
        }
        guard range.contains(ms) else {
            throw error(value, "'\(Self.join(path, key))' must be between \(range.lowerBound) ms and \(range.upperBound) ms, got \(ms) ms")
        }
        return ms
    }

    public func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = fields[key] else { return nil }
        guard let sequence = value.sequence else { throw error(value, "'\(Self.join(path, key))' must be a list") }
        var result: [String] = []
        for item in sequence {
            guard let text = item.scalar?.string else { throw error(item, "items of '\(Self.join(path, key))' must be strings") }
            result.append(text)
        }
        return result
    }

    public func numberList(_ key: String) throws(ConfigError) -> [Double]? {
        guard let value = fields[key] else { return nil }
        guard let sequence = value.sequence else { throw error(value, "'\(Self.join(path, key))' must be a list of numbers") }
        var result: [Double] = []
        for item in sequence {
            guard let text = item.scalar?.string, let number = Double(text), number.isFinite else {
                throw error(item, "items of '\(Self.join(path, key))' must be numbers")
            }
            result.append(number)
        }
        return result
    }

    /// An error located at `key`'s value (or at this mapping when absent).
    public func error(at key: String, _ message: String) -> ConfigError {
        error(fields[key] ?? node, message)
    }

    private func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: file, line: Self.line(node), column: Self.column(node), message: message)
    }

    // Yams marks are 1-based already.
    private static func line(_ node: Node) -> Int { node.mark?.line ?? 0 }
    private static func column(_ node: Node) -> Int { node.mark?.column ?? 0 }
    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// `500ms`, `30s`, `5m`, `1h`, or bare seconds; nil when not a duration.
    /// The same forms rollout plans accept.
    public static func parseDurationMs(_ text: String) -> Int64? {
        PlanValues.durationMs(text)
    }
}

extension String {
    fileprivate var replacingUnderscores: String { filter { $0 != "_" } }
}
