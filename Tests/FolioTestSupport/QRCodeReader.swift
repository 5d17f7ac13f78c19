import FolioDomain
import Foundation

/// Reads QR codes back with a real decoder, Debian's `zbarimg` (package zbar-tools, which
/// `scripts/test.sh` installs), so that a test checks what a phone's camera would read.
package enum QRCodeReader {
    package static var decoder: String? {
        ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first(where: FileManager.default.isExecutableFile)
    }

    /// The text of the one code in `png`, or nil when no decoder is installed (tests then fail on
    /// `decoder` being nil).
    package static func decode(png: Data) async throws -> String? {
        guard let decoder else { return nil }
        let directory = FileManager.default.temporaryDirectory
        let name = "folio-qr-\(UUID())"
        let image = directory.appendingPathComponent(name + ".png")
        let text = directory.appendingPathComponent(name + ".txt")
        defer { for file in [image, text] { try? FileManager.default.removeItem(at: file) } }
        try png.write(to: image)
        try Data().write(to: text)
        let output = try FileHandle(forWritingTo: text)
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: decoder)
        process.arguments = ["--raw", "-q", image.path]
        process.standardOutput = output
        let status = try await process.runToExit()
        guard status == 0 else { return "" }
        return String(decoding: try Data(contentsOf: text), as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
