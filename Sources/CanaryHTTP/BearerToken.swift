/// An API token and the one way to check an `Authorization` header against
/// it: in time that does not depend on where the given value first differs
/// (nor on its length, beyond the header's own), so the token cannot be
/// guessed byte by byte from response times.
public struct BearerToken: Sendable, Equatable {
    let bytes: [UInt8]

    /// nil for an empty token: an empty secret would let anyone in.
    public init?(_ token: String) {
        guard !token.isEmpty else { return nil }
        bytes = Array(token.utf8)
    }

    /// Whether `header` is `Bearer <token>` (the scheme case-insensitive, as RFC 7235 says).
    public func accepts(authorization header: String?) -> Bool {
        guard let header else { return false }
        let given = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard given.count >= scheme.count else { return false }
        var schemeDiffers: UInt8 = 0
        // Letters folded to lower case; the separator compared as it is.
        for index in scheme.indices.dropLast() { schemeDiffers |= (given[index] | 0x20) ^ scheme[index] }
        schemeDiffers |= given[scheme.count - 1] ^ scheme[scheme.count - 1]
        return Self.constantTimeEqual(given[scheme.count...], bytes[...]) && schemeDiffers == 0
    }

    /// Compares every byte of `given` whatever it finds, folding the length
    /// difference into the result rather than returning early on it.
    public static func constantTimeEqual(_ given: ArraySlice<UInt8>, _ expected: ArraySlice<UInt8>) -> Bool {
        guard !expected.isEmpty else { return false }
        var difference = UInt64(truncatingIfNeeded: given.count ^ expected.count)
        var index = expected.startIndex
        for byte in given {
            difference |= UInt64(byte ^ expected[index])
            index = index + 1 == expected.endIndex ? expected.startIndex : index + 1
        }
        return difference == 0
    }
}
