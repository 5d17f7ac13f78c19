extension QRCode {
    /// The code as a black-and-white PNG, `scale` pixels per module.
    ///
    /// - Parameter quietZone: the white margin in modules; readers need 4.
    package func png(scale: Int = 8, quietZone: Int = 4) -> [UInt8] {
        precondition(scale >= 1 && quietZone >= 0)
        let pixels = (size + 2 * quietZone) * scale
        let bytesPerRow = (pixels + 7) / 8
        // Each scanline: filter type 0 (none), then one bit per pixel, 1 for white.
        var scanlines: [UInt8] = []
        scanlines.reserveCapacity((bytesPerRow + 1) * pixels)
        for pixelY in 0..<pixels {
            scanlines.append(0)
            var row = [UInt8](repeating: 0, count: bytesPerRow)
            for pixelX in 0..<pixels where !isDark(x: pixelX / scale - quietZone, y: pixelY / scale - quietZone) {
                row[pixelX / 8] |= 0x80 >> UInt8(pixelX % 8)
            }
            scanlines.append(contentsOf: row)
        }
        var header: [UInt8] = []
        header.appendBigEndian(UInt32(pixels))
        header.appendBigEndian(UInt32(pixels))
        // Bit depth 1, greyscale, deflate, adaptive filtering, no interlace.
        header += [1, 0, 0, 0, 0]
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png.appendChunk("IHDR", header)
        png.appendChunk("IDAT", PNGContainer.zlibStored(scanlines))
        png.appendChunk("IEND", [])
        return png
    }
}

/// The parts of the PNG and zlib formats a two-colour image needs. The data is stored, not
/// compressed: a QR code at 8 pixels per module is about 15 KB at one bit per pixel, and Folio
/// then needs no compression library besides the QR encoder.
enum PNGContainer {
    /// A zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var stream: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let isLast = offset + length == data.count
            stream.append(isLast ? 1 : 0)
            stream += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8((~length >> 8) & 0xFF)]
            stream += data[offset..<offset + length]
            offset += length
        } while offset < data.count
        stream.appendBigEndian(adler32(data))
        return stream
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1
        var b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return b << 16 | a
    }

    static let crcTable: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)])
    }

    /// Length, type, data, and the CRC of type and data.
    fileprivate mutating func appendChunk(_ type: String, _ data: [UInt8]) {
        appendBigEndian(UInt32(data.count))
        let typed = Array(type.utf8) + data
        append(contentsOf: typed)
        appendBigEndian(PNGContainer.crc32(typed))
    }
}
