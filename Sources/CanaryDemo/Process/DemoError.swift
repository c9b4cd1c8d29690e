/// Why the demo could not run, in a sentence.
public struct DemoError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) {
        self.description = description
    }
}
