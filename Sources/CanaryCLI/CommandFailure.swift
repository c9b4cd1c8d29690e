/// A failure the user can act on (bad configuration, unreachable service):
/// printed as `Error: <message>` without the usage text, exit status 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
