import SwiftProtobuf

/// One application message of the Canary protocol, decoded from or encoded
/// to the multipart `[kind][body]` form.
public enum WireMessage: Sendable, Equatable {
    case hello(Canary_V1_Hello)
    case window(Canary_V1_Window)
    case ack(Canary_V1_Ack)
    case heartbeat(Canary_V1_Heartbeat)
    case routeTable(Canary_V1_RouteTable)
    case snapshotRequest(Canary_V1_SnapshotRequest)
    case reject(Canary_V1_Reject)
    case goodbye(Canary_V1_Goodbye)

    public var kind: Canary_V1_MessageKind {
        switch self {
        case .hello: .hello
        case .window: .window
        case .ack: .ack
        case .heartbeat: .heartbeat
        case .routeTable: .routeTable
        case .snapshotRequest: .snapshotRequest
        case .reject: .reject
        case .goodbye: .goodbye
        }
    }

    private var body: any SwiftProtobuf.Message {
        switch self {
        case .hello(let m): m
        case .window(let m): m
        case .ack(let m): m
        case .heartbeat(let m): m
        case .routeTable(let m): m
        case .snapshotRequest(let m): m
        case .reject(let m): m
        case .goodbye(let m): m
        }
    }

    /// The two frames `[kind][body]`.
    public func encode() -> [[UInt8]] {
        // Serialising a message built in memory cannot fail for proto3
        // messages without required fields; a failure would be a bug here.
        let bytes: [UInt8]
        do {
            bytes = try body.serializedBytes()
        } catch {
            preconditionFailure("protobuf serialisation of \(kind) failed: \(error)")
        }
        return [WireFormat.kindFrame(kind), bytes]
    }

    /// Decodes exactly two frames `[kind][body]`. Every way the input can be
    /// wrong is a ``WireError`` naming it; nothing traps.
    public static func decode(_ frames: [[UInt8]]) throws(WireError) -> WireMessage {
        guard frames.count == 2 else {
            throw WireError(.frameCount, "expected 2 frames [kind][body], got \(frames.count)")
        }
        let kind = try decodeKind(frames[0])
        let body = frames[1]
        guard body.count <= WireFormat.maxBodyBytes else {
            throw WireError(.oversizeBody, "\(kind.name) body of \(body.count) bytes exceeds the limit of \(WireFormat.maxBodyBytes)")
        }
        do {
            switch kind {
            case .hello: return .hello(try Canary_V1_Hello(serializedBytes: body))
            case .window: return .window(try Canary_V1_Window(serializedBytes: body))
            case .ack: return .ack(try Canary_V1_Ack(serializedBytes: body))
            case .heartbeat: return .heartbeat(try Canary_V1_Heartbeat(serializedBytes: body))
            case .routeTable: return .routeTable(try Canary_V1_RouteTable(serializedBytes: body))
            case .snapshotRequest: return .snapshotRequest(try Canary_V1_SnapshotRequest(serializedBytes: body))
            case .reject: return .reject(try Canary_V1_Reject(serializedBytes: body))
            case .goodbye: return .goodbye(try Canary_V1_Goodbye(serializedBytes: body))
            case .unspecified, .UNRECOGNIZED:
                throw WireError(.unknownKind, "message kind \(kind.rawValue) is not a Canary v1 message")
            }
        } catch let error as WireError {
            throw error
        } catch {
            throw WireError(.malformedBody, "\(kind.name) body of \(body.count) bytes is not valid protobuf: \(error)")
        }
    }

    /// Checks a kind frame and returns its message kind.
    public static func decodeKind(_ frame: [UInt8]) throws(WireError) -> Canary_V1_MessageKind {
        guard frame.count == 4 else {
            throw WireError(.kindFrameLength, "kind frame must be 4 bytes, got \(frame.count)")
        }
        guard frame[0] == WireFormat.magic.0, frame[1] == WireFormat.magic.1 else {
            throw WireError(.badMagic, "kind frame does not start with \"CY\" (got 0x\(hex(frame[0]))\(hex(frame[1])))")
        }
        guard frame[2] == WireFormat.protocolVersion else {
            throw WireError(.unsupportedVersion, "protocol version \(frame[2]) is not supported (this build speaks \(WireFormat.protocolVersion))")
        }
        guard let kind = Canary_V1_MessageKind(rawValue: Int(frame[3])), kind != .unspecified else {
            throw WireError(.unknownKind, "message kind \(frame[3]) is unknown")
        }
        return kind
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}

extension Canary_V1_MessageKind {
    public var name: String {
        switch self {
        case .unspecified: "unspecified"
        case .hello: "Hello"
        case .window: "Window"
        case .ack: "Ack"
        case .heartbeat: "Heartbeat"
        case .routeTable: "RouteTable"
        case .snapshotRequest: "SnapshotRequest"
        case .reject: "Reject"
        case .goodbye: "Goodbye"
        case .UNRECOGNIZED(let n): "kind \(n)"
        }
    }
}
