extension Sequence<UInt8> {
    /// Two lowercase hex digits per byte, as signatures and digests are written. Built from a
    /// table: `String(format: "%02x")` per byte went through `vfprintf` for each of them, on
    /// every provider call and every signed notification.
    package var lowercaseHex: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            digits.append(hexDigits[Int(byte >> 4)])
            digits.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: digits, as: UTF8.self)
    }
}

private let hexDigits = Array("0123456789abcdef".utf8)
