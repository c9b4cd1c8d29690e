import CCanaryShm
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a sample ring lives and what it is for. Recorder and reader pass the
/// same configuration; whichever starts first creates the segment.
public struct RingConfiguration: Sendable, Hashable {
    /// POSIX shm name, e.g. `/canary.fraud.replica-1`.
    public var name: String
    /// Model label stored in the header (≤ 64 UTF-8 bytes); an attach with
    /// another model is refused so an agent never drains the wrong ring.
    public var model: String
    /// Version label stored in the header (≤ 64 UTF-8 bytes).
    public var version: String
    /// Records, a power of two in 16…2^30. Used only when creating; an
    /// attacher takes the capacity the creator chose.
    public var capacity: Int
    public var permissions: SegmentPermissions
    public var openMode: SegmentOpenMode
    /// How long an attacher waits for a creator that is still initialising.
    public var readyTimeout: Duration

    public init(
        name: String, model: String, version: String, capacity: Int = 1 << 16,
        permissions: SegmentPermissions = .ownerOnly, openMode: SegmentOpenMode = .createOrAttach,
        readyTimeout: Duration = .milliseconds(200)
    ) {
        self.name = name
        self.model = model
        self.version = version
        self.capacity = capacity
        self.permissions = permissions
        self.openMode = openMode
        self.readyTimeout = readyTimeout
    }
}

/// A mapped, validated sample ring: what recorder and reader share.
struct MappedRing: @unchecked Sendable { // the mapping outlives it; access is atomic (see SharedMapping)
    let mapping: SharedMapping
    let ring: canary_ring

    var header: UnsafeMutablePointer<canary_ring_header> { ring.header }

    static func open(_ config: RingConfiguration) throws(ShmError) -> MappedRing {
        let name = config.name
        let capacity = UInt64(clamping: config.capacity)
        guard canary_is_power_of_two(capacity) != 0, capacity >= CANARY_MIN_CAPACITY, capacity <= CANARY_MAX_CAPACITY else {
            throw ShmError(.invalidArgument, segment: name, detail: "capacity \(config.capacity) is not a power of two in 16…2^30")
        }
        for (what, label) in [("model", config.model), ("version", config.version)] where label.utf8.count > Int(CANARY_LABEL_SIZE) {
            throw ShmError(.invalidArgument, segment: name, detail: "\(what) label '\(label)' is longer than \(CANARY_LABEL_SIZE) UTF-8 bytes")
        }
        let layout = SharedMapping.Layout(
            createSize: Int(canary_ring_size(capacity)),
            headerSize: Int(CANARY_RING_HEADER_SIZE),
            initialize: { base in
                var model = config.model, version = config.version
                model.withUTF8 { m in
                    version.withUTF8 { v in
                        canary_ring_init(base.assumingMemoryBound(to: canary_ring_header.self), capacity,
                                         m.baseAddress, m.count, v.baseAddress, v.count, UInt32(getpid()))
                    }
                }
            },
            check: { header, size in canary_ring_check(header.assumingMemoryBound(to: canary_ring_header.self), size) },
            mappedSize: { header in Int(canary_ring_size(header.assumingMemoryBound(to: canary_ring_header.self).pointee.capacity)) },
            kind: "sample ring"
        )
        let mapping = try SharedMapping.open(
            name: name, layout: layout, mode: config.openMode,
            permissions: config.permissions, readyTimeout: config.readyTimeout)
        let header = mapping.base.assumingMemoryBound(to: canary_ring_header.self)
        let model = labelString(header, \.model), version = labelString(header, \.version)
        guard model == config.model, version == config.version else {
            throw ShmError(.labelMismatch, segment: name,
                           detail: "ring belongs to model '\(model)' version '\(version)', not '\(config.model)' version '\(config.version)'")
        }
        return MappedRing(mapping: mapping, ring: canary_ring_bind(header))
    }
}

/// Reads a NUL-padded 64-byte label field of the ring header.
func labelString<T>(_ header: UnsafeMutablePointer<canary_ring_header>, _ field: KeyPath<canary_ring_header, T>) -> String {
    let offset = MemoryLayout<canary_ring_header>.offset(of: field)!
    let bytes = UnsafeRawBufferPointer(start: UnsafeRawPointer(header) + offset, count: Int(CANARY_LABEL_SIZE))
    return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
}
