import FolioDomain
import Foundation
import Testing

/// The hex that signatures and digests are written in.
@Suite struct LowercaseHexTests {
    @Test func everyByteIsTwoLowercaseDigitsInOrder() {
        #expect([UInt8]().lowercaseHex == "")
        #expect([0x00, 0x0f, 0xa5, 0xff].lowercaseHex == "000fa5ff")
        let all = (0...255).map { UInt8($0) }
        #expect(all.lowercaseHex == all.map { String(format: "%02x", $0) }.joined())
    }
}
