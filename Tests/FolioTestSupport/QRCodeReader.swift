import Foundation

/// Reads QR codes back with a real decoder, Debian's `zbarimg` (package zbar-tools, which
/// `scripts/test.sh` installs), so that a test checks what a phone's camera would read.
package enum QRCodeReader {
    package static var decoder: String? {
        ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first(where: FileManager.default.isExecutableFile)
    }

    /// The text of the one code in `png`, or nil when no decoder is installed (tests then fail on
    /// `decoder` being nil).
    package static func decode(png: Data) throws -> String? {
        guard let decoder else { return nil }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("folio-qr-\(UUID()).png")
        try png.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: decoder)
        process.arguments = ["--raw", "-q", file.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return "" }
        return String(decoding: text, as: UTF8.self).trimmingCharacters(in: .newlines)
    }
}
