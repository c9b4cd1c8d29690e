import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny blocking HTTP/1.1 client for the coordinator's API on loopback:
/// the demo needs a handful of JSON calls, and a socket keeps it free of a
/// libcurl dependency (FoundationNetworking) on a fresh machine.
struct LoopbackHTTP: Sendable {
    let port: Int
    var timeout: Duration = .seconds(5)

    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    func get(_ path: String) throws -> Response {
        try request("GET", path, body: nil)
    }

    func post(_ path: String, body: String, contentType: String = "application/yaml") throws -> Response {
        try request("POST", path, body: Data(body.utf8), contentType: contentType)
    }

    func request(_ method: String, _ path: String, body: Data?, contentType: String = "application/json") throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw DemoError("socket() failed: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let seconds = timeout.components.seconds
        var tv = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            throw DemoError("cannot reach the coordinator on 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body { head += "Content-Type: \(contentType)\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var out = Data(head.utf8)
        if let body { out.append(body) }
        try out.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw DemoError("sending to the coordinator failed: \(String(cString: strerror(errno)))") }
                sent += n
            }
        }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received.append(contentsOf: buffer[0..<n]); continue }
            if n == 0 { break }
            throw DemoError("reading from the coordinator failed: \(String(cString: strerror(errno)))")
        }
        return try Self.parse(received)
    }

    static func parse(_ data: Data) throws -> Response {
        let separator = Data("\r\n\r\n".utf8)
        guard let range = data.range(of: separator) else { throw DemoError("malformed HTTP response from the coordinator") }
        let head = String(decoding: data[..<range.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2, let status = Int(parts[1]) else { throw DemoError("malformed HTTP status line '\(lines.first ?? "")'") }
        var body = Data(data[range.upperBound...])
        let chunked = lines.contains { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }
        if chunked { body = dechunk(body) }
        return Response(status: status, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = data[...]
        let crlf = Data("\r\n".utf8)
        while let line = rest.range(of: crlf) {
            let sizeText = String(decoding: rest[..<line.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = line.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size else { break }
            let end = rest.index(start, offsetBy: size)
            out.append(rest[start..<end])
            rest = rest[min(rest.endIndex, rest.index(end, offsetBy: 2))...]
        }
        return out
    }
}
