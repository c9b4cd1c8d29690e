import Yams

/// A YAML mapping read strictly: a key not in the allowed set is an issue
/// naming it and listing the allowed ones (a typo must not silently fall
/// back to a default).
public struct ConfigMapping {
    public let node: ConfigNode
    private let fields: [String: ConfigNode]

    init(node: ConfigNode, mapping: Node.Mapping, allowed: Set<String>) {
        self.node = node
        let document = node.document
        let context = node.path.isEmpty ? document.name : node.path
        var fields: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            let keyNode = ConfigNode(node: key, path: node.path, document: document)
            guard case .scalar(let scalar) = key else {
                keyNode.fail("keys in \(context) must be plain strings")
                continue
            }
            guard allowed.contains(scalar.string) else {
                keyNode.fail("unknown key \(document.quoted(scalar.string)) in \(context); allowed: \(allowed.sorted().joined(separator: ", "))")
                continue
            }
            // Yams refuses duplicate keys while composing: no check here.
            fields[scalar.string] = ConfigNode(node: value, path: node.child(scalar.string), document: document)
        }
        self.fields = fields
    }

    public var path: String { node.path }

    /// The value of `key`, or nil when absent.
    public subscript(key: String) -> ConfigNode? { fields[key] }

    /// The value of `key`; when absent, an issue at this mapping.
    public func required(_ key: String, _ hint: String? = nil) -> ConfigNode? {
        if let value = fields[key] { return value }
        node.fail("missing required key \(node.document.quoted(node.child(key)))" + (hint.map { " (\($0))" } ?? ""))
        return nil
    }

    /// A nested mapping with its keys checked; nil when absent or not a mapping.
    public func mapping(_ key: String, allowed: Set<String>) -> ConfigMapping? {
        fields[key]?.mapping(allowed: allowed)
    }

    /// A list of mappings, each with its keys checked; items that are not
    /// mappings are reported and left out.
    public func mappings(_ key: String, allowed: Set<String>) -> [ConfigMapping]? {
        fields[key]?.list()?.compactMap { $0.mapping(allowed: allowed) }
    }

    /// Records an issue at `key`'s value, or at this mapping when absent.
    public func fail(at key: String, _ message: String) {
        (fields[key] ?? node).fail(message)
    }
}
