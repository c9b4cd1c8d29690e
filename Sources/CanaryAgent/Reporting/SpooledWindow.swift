/// One closed window as the spool keeps it: its wire frames exactly as
/// first sent (so a successor resends the same bytes under the same key)
/// and the ring records it was built from, so a successor knows which
/// records a spooled window accounts for (see ``RingCheckpoint``).
///
/// Record layout, little-endian, one record per file:
/// `magic "CNRYSPL1"` · `epoch u64` · `sequence u64` · `ring created ns u64`
/// · `ring start u64` · `ring end u64` · `frame count u32` · per frame
/// `length u32` + bytes · `CRC-32 (IEEE) u32` of everything before it.
/// The checksum catches a torn or altered file; the magic a file that is
/// not a spool record at all.
public struct SpooledWindow: Sendable, Equatable {
    public let key: WindowKey
    /// Creation time of the ring the records came from: positions of
    /// another ring (recreated since) mean nothing to this one.
    public let ringCreatedNs: UInt64
    /// Ring positions of the window's records: [ringStart, ringEnd).
    public let ringStart: UInt64
    public let ringEnd: UInt64
    public let frames: [[UInt8]]

    public init(key: WindowKey, ringCreatedNs: UInt64, ringStart: UInt64, ringEnd: UInt64, frames: [[UInt8]]) {
        self.key = key
        self.ringCreatedNs = ringCreatedNs
        self.ringStart = ringStart
        self.ringEnd = ringEnd
        self.frames = frames
    }

    static let magic = Array("CNRYSPL1".utf8)
    /// A window message is `[kind][body]`; a few more frames than that
    /// already means the file is not one.
    static let maxFrames = 4
    /// Larger than any window the agent sends (its DEALER's 4 MiB limit):
    /// a bigger file is not read into memory at all.
    public static let maxRecordBytes = 8 << 20
    static let headerBytes = 8 + 5 * 8 + 4

    public var bytes: Int { Self.headerBytes + frames.reduce(0) { $0 + 4 + $1.count } + 4 }

    public func encoded() -> [UInt8] {
        var out = Self.magic
        out.reserveCapacity(bytes)
        for word in [key.epoch, key.sequence, ringCreatedNs, ringStart, ringEnd] { Self.append(word, to: &out) }
        Self.append(UInt32(frames.count), to: &out)
        for frame in frames {
            Self.append(UInt32(frame.count), to: &out)
            out += frame
        }
        Self.append(CRC32.checksum(out), to: &out)
        return out
    }

    /// The record in `bytes`, or why it is not one (a sentence naming the cause).
    public static func decode(_ bytes: [UInt8]) -> Result<SpooledWindow, SpoolRecordProblem> {
        guard bytes.count >= headerBytes + 4 else {
            return .failure(SpoolRecordProblem("\(bytes.count) bytes, shorter than any spool record (\(headerBytes + 4))"))
        }
        guard Array(bytes.prefix(magic.count)) == magic else {
            return .failure(SpoolRecordProblem("it does not start with the spool record magic \"CNRYSPL1\" (not a spool record, or another format)"))
        }
        let stored = UInt32(littleEndianBytes: bytes, at: bytes.count - 4)
        let computed = CRC32.checksum(bytes[..<(bytes.count - 4)])
        guard stored == computed else {
            return .failure(SpoolRecordProblem("checksum mismatch (stored \(hex(stored)), computed \(hex(computed))): the file is torn or was altered"))
        }
        var offset = magic.count
        func word() -> UInt64 {
            defer { offset += 8 }
            return UInt64(littleEndianBytes: bytes, at: offset)
        }
        let key = WindowKey(epoch: word(), sequence: word())
        let created = word(), start = word(), end = word()
        let count = Int(UInt32(littleEndianBytes: bytes, at: offset))
        offset += 4
        guard count >= 1, count <= maxFrames else {
            return .failure(SpoolRecordProblem("\(count) frames (a window message has 2)"))
        }
        guard start <= end else {
            return .failure(SpoolRecordProblem("ring span \(start)..<\(end) ends before it starts"))
        }
        let payloadEnd = bytes.count - 4
        var frames: [[UInt8]] = []
        for index in 0..<count {
            guard offset + 4 <= payloadEnd else {
                return .failure(SpoolRecordProblem("frame \(index + 1) of \(count) is cut off (the file ends after \(bytes.count) bytes)"))
            }
            let length = Int(UInt32(littleEndianBytes: bytes, at: offset))
            offset += 4
            guard length <= payloadEnd - offset else {
                return .failure(SpoolRecordProblem("frame \(index + 1) of \(count) claims \(length) bytes, past the end of the file"))
            }
            frames.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        guard offset == payloadEnd else {
            return .failure(SpoolRecordProblem("\(payloadEnd - offset) bytes after the last frame"))
        }
        return .success(SpooledWindow(key: key, ringCreatedNs: created, ringStart: start, ringEnd: end, frames: frames))
    }

    private static func append<Word: FixedWidthInteger>(_ word: Word, to out: inout [UInt8]) {
        withUnsafeBytes(of: word.littleEndian) { out += $0 }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// Why a spool file is not a record this agent can resend.
public struct SpoolRecordProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension FixedWidthInteger {
    /// The little-endian integer at `offset` (the caller checked the bounds).
    init(littleEndianBytes bytes: [UInt8], at offset: Int) {
        var value: Self = 0
        for index in 0..<(Self.bitWidth / 8) { value |= Self(bytes[offset + index]) << (8 * index) }
        self = value
    }
}

/// CRC-32 (IEEE 802.3, the zlib one): no dependency for four bytes per file.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }

    static func checksum<Bytes: Collection>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
