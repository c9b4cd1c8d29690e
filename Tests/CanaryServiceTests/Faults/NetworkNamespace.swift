import Foundation

/// A network namespace joined to this one by a veth pair, so one agent can
/// be cut off from the coordinator while everything else keeps talking:
/// the host end `hostAddress`, the namespace end `peerAddress` (a /30).
/// Needs root and iproute2 (scripts/install-deps installs it for the tests);
/// `create` says why when it cannot, and the case is skipped with that reason.
final class NetworkNamespace: @unchecked Sendable {  // used from the test task only
    static let ip = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].first { FileManager.default.isExecutableFile(atPath: $0) } ?? "ip"

    let name: String
    let hostLink: String
    let hostAddress: String
    let peerAddress: String

    private init(name: String, hostLink: String, hostAddress: String, peerAddress: String) {
        self.name = name
        self.hostLink = hostLink
        self.hostAddress = hostAddress
        self.peerAddress = peerAddress
    }

    /// A fresh namespace with a veth pair up on both ends; nil with the
    /// reason when the machine does not allow it (no root, no iproute2, no veth).
    static func create() -> (NetworkNamespace?, String) {
        let n = UInt32(getpid() % 50_000) &* 16 &+ UInt32.random(in: 0..<16)
        let name = "canary-fault-\(getpid())-\(n)"
        let hostLink = "cfh\(n)", peerLink = "cfp\(n)"
        // 10.231.0.0/16 split into /30s; the block index comes from the name.
        let block = n % 16_384
        let prefix = "10.231.\(block / 64)", last = (block % 64) * 4
        let hostAddress = "\(prefix).\(last + 1)", peerAddress = "\(prefix).\(last + 2)"
        let steps = [
            ["netns", "add", name],
            ["link", "add", hostLink, "type", "veth", "peer", "name", peerLink],
            ["link", "set", peerLink, "netns", name],
            ["addr", "add", "\(hostAddress)/30", "dev", hostLink],
            ["link", "set", hostLink, "up"],
            ["-n", name, "addr", "add", "\(peerAddress)/30", "dev", peerLink],
            ["-n", name, "link", "set", peerLink, "up"],
            ["-n", name, "link", "set", "lo", "up"],
        ]
        for step in steps {
            let (status, output) = run(step)
            if status != 0 {
                _ = run(["link", "del", hostLink])
                _ = run(["netns", "del", name])
                return (nil, "`ip \(step.joined(separator: " "))` failed (exit \(status)): \(output.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }
        return (NetworkNamespace(name: name, hostLink: hostLink, hostAddress: hostAddress, peerAddress: peerAddress), "")
    }

    /// Cuts the link (the host end goes down: nothing passes either way, no
    /// reset is sent, like a switch port failing) or restores it.
    func partition(_ cut: Bool) throws {
        let (status, output) = Self.run(["link", "set", hostLink, cut ? "down" : "up"])
        guard status == 0 else { throw TestFailure("ip link set \(hostLink) \(cut ? "down" : "up") failed: \(output)") }
    }

    /// Deletes the namespace (and with it both ends of the veth pair).
    func remove() {
        _ = Self.run(["link", "del", hostLink])
        _ = Self.run(["netns", "del", name])
    }

    /// Quick `ip` calls (milliseconds), run to completion.
    private static func run(_ arguments: [String]) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "cannot run \(ip): \(error)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}
