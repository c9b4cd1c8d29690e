import ArgumentParser
import CanaryConfig
import Foundation
import ZeroMQ

/// `canary keygen NAME`: a CURVE key pair as two files.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write a CURVE key pair: NAME.pub (public, 0644) and NAME.key (secret, 0600).",
        discussion: """
            One pair for the coordinator (its configs name NAME.key as curve.secret_key_file; \
            every agent gets NAME.pub as curve.coordinator_key_file) and one per agent or \
            group of agents (the agent's curve.secret_key_file is NAME.key; NAME.pub goes \
            into the coordinator's allow-list, bound to the agent id, model and versions it \
            may report). The secret file is created with mode 0600 and never printed. \
            Existing files are not replaced without --force. With --agent, --model and \
            --versions it also prints the allow-list entry for the new key.
            """)

    @Argument(help: ArgumentHelp("Path and base name of the two files (e.g. keys/fraud-eu-1).", valueName: "name"))
    var name: String

    @Flag(name: .long, help: "Replace existing files (agents or a coordinator using the old key are then refused).")
    var force = false

    @Option(name: .long, help: "For the printed allow-list entry: the agent id or pattern (e.g. 'fraud-eu-*').")
    var agent: String?

    @Option(name: .long, help: "For the printed allow-list entry: the model.")
    var model: String?

    @Option(name: .long, help: "For the printed allow-list entry: the versions, comma separated (or '*').")
    var versions: String?

    func validate() throws {
        if name.isEmpty || name.hasSuffix("/") { throw ValidationError("name must be a file base name, e.g. keys/agent-1") }
        guard ZeroMQ.hasCurve else { throw ValidationError("this libzmq was built without CURVE support (libsodium)") }
    }

    func run() throws {
        let pair = try CurveKeyPair.generate()
        let written: (publicPath: String, secretPath: String)
        do {
            written = try KeyFile.writePair(publicKey: pair.publicKey, secretKey: pair.secretKey, base: name, force: force,
                                            comment: "written by canary keygen \(Date().ISO8601Format())")
        } catch {
            throw CommandFailure("canary keygen: \(error)")
        }
        print("public key  \(written.publicPath)  \(pair.publicKey)")
        print("secret key  \(written.secretPath)  (mode 0600; never share it or put it in a config file)")
        if let agent, let model {
            let list = (versions ?? "*").split(separator: ",").map { "\"\($0.trimmingCharacters(in: .whitespaces))\"" }
            print("""
                allow-list entry:
                - name: \((name as NSString).lastPathComponent)
                  key: "\(pair.publicKey)"
                  agent: "\(agent)"
                  model: "\(model)"
                  versions: [\(list.joined(separator: ", "))]
                """)
        }
    }
}
