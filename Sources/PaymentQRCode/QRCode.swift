import CQREncode

/// A QR code's grid of modules, encoded by libqrencode.
///
/// Holds only the grid, so that it renders to any format without going back to the C library.
package struct QRCode: Sendable, Equatable {
    /// Modules per side, without the quiet zone.
    package let size: Int
    private let dark: [Bool]

    /// Encodes `text` as bytes (UTF-8) at error correction level M, in the smallest version that
    /// holds it: a phone's camera reads M from a printed pre-check or a screen, and it leaves the
    /// code small enough for a long payment URL.
    package init(encoding text: String) throws(QRCodeError) {
        guard !text.isEmpty else { throw .empty }
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { throw .tooLong(bytes: text.utf8.count) }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        // Bit 0 of each byte is the module's colour; the other bits say which part of the
        // symbol it belongs to.
        let modules = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        self.size = width
        self.dark = modules.map { $0 & 1 == 1 }
    }

    /// Whether the module at column `x`, row `y` is dark; outside the grid (the quiet zone), never.
    package func isDark(x: Int, y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return dark[y * size + x]
    }
}

package enum QRCodeError: Error, Equatable, CustomStringConvertible {
    case empty
    /// More than the largest version holds at level M (2,331 bytes).
    case tooLong(bytes: Int)

    package var description: String {
        switch self {
        case .empty: "nothing to encode"
        case .tooLong(let bytes): "\(bytes) bytes do not fit in a QR code at error correction level M"
        }
    }
}
