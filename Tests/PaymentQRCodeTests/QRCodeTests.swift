import FolioTestSupport
import Foundation
import Testing

@testable import PaymentQRCode

@Suite struct QRCodeTests {
    static let paymentLink = "https://pay.invoicebox.ru/order/8c6e2d7a-1f0b-4b7e-9a51-2f4f0f7f2a10"

    @Test func encodesTheLinkInTheSmallestVersionAtLevelM() throws {
        let code = try QRCode(encoding: Self.paymentLink)
        // 66 bytes at level M need version 5 (37 modules); libqrencode picks the smallest.
        #expect(code.size == 37)
        // Each corner but the bottom right has a finder pattern: a dark 7×7 ring around a light one.
        for (left, top) in [(0, 0), (code.size - 7, 0), (0, code.size - 7)] {
            #expect(code.isDark(x: left, y: top) && code.isDark(x: left + 6, y: top + 6))
            #expect(!code.isDark(x: left + 1, y: top + 1))
            #expect(code.isDark(x: left + 3, y: top + 3))
        }
        #expect(!code.isDark(x: -1, y: 0) && !code.isDark(x: 0, y: code.size))
    }

    @Test func refusesWhatNoCodeHolds() {
        #expect(throws: QRCodeError.empty) { try QRCode(encoding: "") }
        #expect(throws: QRCodeError.tooLong(bytes: 3000)) { try QRCode(encoding: String(repeating: "a", count: 3000)) }
    }

    /// The SVG's path, read back module by module, is the grid it was drawn from.
    @Test func svgDrawsExactlyTheDarkModules() throws {
        let code = try QRCode(encoding: Self.paymentLink)
        let svg = code.svg(quietZone: 4)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 45 45\""))
        let path = try #require(svg.firstRange(of: "d=\"").map { svg[$0.upperBound...].prefix { $0 != "\"" } })
        var drawn = Set<[Int]>()
        for run in path.split(separator: "z") {
            // M<x> <y>h<width>v1h-<width>
            let numbers = run.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            let (x, y, width) = (numbers[0] - 4, numbers[1] - 4, numbers[2])
            for column in x..<x + width { drawn.insert([column, y]) }
        }
        var expected = Set<[Int]>()
        for y in 0..<code.size { for x in 0..<code.size where code.isDark(x: x, y: y) { expected.insert([x, y]) } }
        #expect(drawn == expected)
    }

    @Test func pngIsWellFormed() throws {
        let code = try QRCode(encoding: Self.paymentLink)
        let png = code.png(scale: 8, quietZone: 4)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // IHDR: 45 modules × 8 pixels square, 1 bit, greyscale.
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 360)
        #expect(png[24] == 1 && png[25] == 0)
        // Every chunk's CRC matches its type and data.
        var offset = 8
        var types: [String] = []
        while offset < png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let typed = Array(png[offset + 4..<offset + 8 + length])
            let crc = png[offset + 8 + length..<offset + 12 + length].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            #expect(PNGContainer.crc32(typed) == crc)
            types.append(String(decoding: typed.prefix(4), as: UTF8.self))
            offset += 12 + length
        }
        #expect(types == ["IHDR", "IDAT", "IEND"])
    }

    @Test func checksumsMatchTheirReferenceValues() {
        // The check values of the zlib and PNG specifications' examples.
        #expect(PNGContainer.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(PNGContainer.adler32(Array("Wikipedia".utf8)) == 0x11E6_0398)
    }

    /// A real decoder (Debian's zbarimg) reads the PNG back to the link.
    @Test func aDecoderReadsThePNGBackToTheLink() async throws {
        let code = try QRCode(encoding: Self.paymentLink)
        try #require(QRCodeReader.decoder != nil, "zbarimg is missing; scripts/test.sh installs zbar-tools")
        let decoded = try await QRCodeReader.decode(png: Data(code.png()))
        #expect(decoded == Self.paymentLink)
    }
}
