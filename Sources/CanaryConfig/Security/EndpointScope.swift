/// Whether a ZeroMQ endpoint stays on this host: what decides if plain text
/// is acceptable without keys (`insecure: true` says so explicitly).
public enum EndpointScope {
    /// `tcp://` to 127.0.0.0/8, `::1` or `localhost`, and `ipc://` / `inproc://`
    /// (local by construction) are loopback; everything else — `*`, `0.0.0.0`,
    /// an interface name, a routable address or host name — is not.
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var address = String(endpoint.dropFirst("tcp://".count))
        // A connect endpoint may name a source first: "tcp://src;dst:port".
        if let semicolon = address.lastIndex(of: ";") { address = String(address[address.index(after: semicolon)...]) }
        let host: String
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { return false }
            host = String(address[address.index(after: address.startIndex)..<close])
        } else {
            guard let colon = address.lastIndex(of: ":") else { return false }
            host = String(address[..<colon])
        }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }

    /// The endpoints of `endpoints` that leave the host.
    public static func exposed(_ endpoints: [String]) -> [String] {
        endpoints.filter { !isLoopback($0) }
    }
}
