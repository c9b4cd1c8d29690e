extension AllowList {
    /// One entry as the text `load` reads back (what a supervisor such as
    /// the demo writes, so the file cannot drift from the parser). The key
    /// is named by its public key file, relative to the list's directory.
    public static func entryYAML(name: String, keyFile: String, agent: String, model: String, versions: [String]) -> String {
        """
        - name: \(YAMLScalar.quoted(name))
          key_file: \(YAMLScalar.quoted(keyFile))
          agent: \(YAMLScalar.quoted(agent))
          model: \(YAMLScalar.quoted(model))
          versions: [\(versions.map(YAMLScalar.quoted).joined(separator: ", "))]

        """
    }
}
