import Foundation

/// The agent keys a coordinator accepts, each bound to what it may report
/// (README § Security). One YAML file, or a directory whose `*.yaml` files
/// are read in name order and merged. Each file is a list of entries:
///
/// ```yaml
/// - name: fraud-eu                      # optional: shown in logs and the API
///   key_file: keys/fraud-eu.pub         # or key: "<40 Z85 characters>" (public keys only)
///   agent: "fraud-eu-*"                 # the agent id, or a glob (* ? [...])
///   model: fraud
///   versions: [v41, v42]                # or ["*"]: any version of the model
/// ```
///
/// Read leniently on purpose: a bad entry is reported with its file:line
/// and left out, and the others are kept, so one typo in a reload does not
/// lock the whole fleet out.
public struct AllowList: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The agent's public key, Z85.
        public let publicKey: String
        public let name: String
        /// An agent id or an fnmatch(3) pattern.
        public let agent: String
        public let model: String
        /// Exact versions; `["*"]` allows any.
        public let versions: [String]
        /// Where the entry is: "file:line".
        public let source: String

        public init(publicKey: String, name: String, agent: String, model: String, versions: [String], source: String) {
            self.publicKey = publicKey
            self.name = name
            self.agent = agent
            self.model = model
            self.versions = versions
            self.source = source
        }

        public func allows(agentID: String) -> Bool {
            agent == agentID || fnmatch(agent, agentID, 0) == 0
        }

        public func allows(version: String) -> Bool {
            versions.contains("*") || versions.contains(version)
        }
    }

    /// By public key.
    public private(set) var entries: [String: Entry] = [:]
    /// Entries left out, with file:line and why.
    public private(set) var issues: [ConfigIssue] = []
    /// The files read, in order.
    public private(set) var files: [String] = []

    public init(entries: [Entry] = []) {
        for entry in entries { self.entries[entry.publicKey] = entry }
    }

    public subscript(publicKey: String) -> Entry? { entries[publicKey] }

    static let entryKeys: Set<String> = ["name", "key", "key_file", "agent", "model", "versions"]

    /// Reads a file or a directory of `*.yaml` files. Throws only when the
    /// path itself cannot be read (then the caller keeps what it had).
    public static func load(path: String) throws(ConfigError) -> AllowList {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError(file: path, message: "the allow-list does not exist (a file or a directory of *.yaml files)")
        }
        var list = AllowList()
        let files: [String]
        if isDirectory.boolValue {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw ConfigError(file: path, message: "cannot list the allow-list directory")
            }
            files = names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
        } else {
            files = [path]
        }
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                if isDirectory.boolValue {
                    list.issues.append(ConfigIssue(file: file, line: 0, message: "cannot read this allow-list file; its entries are left out"))
                    continue
                }
                throw ConfigError(file: file, message: "cannot read the allow-list file")
            }
            list.read(yaml: text, file: file)
        }
        return list
    }

    /// Parses one file's text into this list (entries of earlier files win on a repeated key).
    public mutating func read(yaml: String, file: String) {
        files.append(file)
        let document = ConfigDocument(yaml: yaml, file: file, name: "allow-list")
        let base = (file as NSString).deletingLastPathComponent
        if let items = document.rootNode()?.list() {
            for item in items {
                guard let entry = Self.entry(item, base: base) else { continue }
                if let earlier = entries[entry.publicKey] {
                    item.fail("this key is already allowed by the entry at \(earlier.source); left out")
                    continue
                }
                entries[entry.publicKey] = entry
            }
        }
        issues += document.issues
    }

    /// One entry, or nil with its issues recorded (an entry with any issue is left out whole).
    private static func entry(_ item: ConfigNode, base: String) -> Entry? {
        guard let mapping = item.mapping(allowed: entryKeys) else { return nil }
        let before = item.document.issueCount
        var key: String?
        switch (mapping["key"], mapping["key_file"]) {
        case (let node?, nil):
            if let text = node.nonEmptyString() {
                if KeyFile.looksLikeKey(text) { key = text } else { node.fail("\(node.path) must be a public key: 40 Z85 characters") }
            }
        case (nil, let node?):
            if let path = node.nonEmptyString() {
                let resolved = path.hasPrefix("/") ? path : (base as NSString).appendingPathComponent(path)
                do { key = try KeyFile.readPublic(resolved) } catch { node.fail("\(node.path): \(error)") }
            }
        case (_?, _?):
            mapping.fail(at: "key_file", "\(item.path): give key or key_file, not both")
        case (nil, nil):
            item.fail("\(item.path): missing the agent's public key (key: or key_file:)")
        }
        let agent = mapping.required("agent", "the agent id or a pattern such as fraud-eu-*")?.nonEmptyString()
        let model = mapping.required("model")?.nonEmptyString()
        var versions: [String]?
        if let node = mapping.required("versions", "e.g. [v41, v42], or [\"*\"] for any") {
            versions = node.list { $0.nonEmptyString() }
            if versions?.isEmpty == true {
                node.fail("\(node.path) must name at least one version (or \"*\")")
                versions = nil
            }
        }
        let name = mapping["name"]?.nonEmptyString()
        guard item.document.issueCount == before, let key, let agent, let model, let versions else { return nil }
        return Entry(publicKey: key, name: name ?? agent, agent: agent, model: model, versions: versions,
                     source: "\(item.document.file):\(item.line)")
    }
}
