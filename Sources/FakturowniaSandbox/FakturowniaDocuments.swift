import Foundation

/// The public invoice view and a small but real PDF, enough for a client to check `%PDF`.
enum FakturowniaDocuments {
    static func html(_ invoice: FakturowniaInvoice) -> Data {
        let lines = invoice.positions.map { "<tr><td>\(escape($0.name))</td><td>\($0.quantity)</td><td>\(FakturowniaMoney.format($0.totalGross))</td></tr>" }
        return Data(
            """
            <!DOCTYPE html>
            <html lang="pl"><head><meta charset="utf-8"><title>Faktura \(escape(invoice.number))</title></head>
            <body><h1>Faktura \(escape(invoice.number))</h1>
            <p>Nabywca: \(escape(invoice.fields["buyer_name"] ?? [invoice.fields["buyer_first_name"], invoice.fields["buyer_last_name"]].compactMap { $0 }.joined(separator: " ")))</p>
            <table>\(lines.joined())</table>
            <p>Razem: \(FakturowniaMoney.format(invoice.grossCents)) \(escape(invoice.currency))</p>
            <p>Status: \(invoice.status)</p></body></html>
            """.utf8)
    }

    static func pdf(_ invoice: FakturowniaInvoice) -> Data {
        let text = "Faktura \(invoice.number) \(FakturowniaMoney.format(invoice.grossCents)) \(invoice.currency)".unicodeScalars
            .map { $0.isASCII && $0 != "(" && $0 != ")" && $0 != "\\" ? String($0) : "?" }.joined()
        let stream = "BT /F1 14 Tf 72 770 Td (\(text)) Tj ET"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)\nendstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var document = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(document.utf8.count)
            document += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = document.utf8.count
        document += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { document += String(format: "%010d 00000 n \n", offset) }
        document += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Data(document.utf8)
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }
}
