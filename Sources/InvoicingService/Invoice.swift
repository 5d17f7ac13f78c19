import FolioDomain
import Foundation
import PaymentsPort
import PostgresNIO
import TenantRegistry

extension InvoiceRequest: PostgresCodable {}

/// An invoice as Folio keeps it.
///
/// The host's original request is not part of it: only resending a creation and pricing a
/// refund need that, and they read it with `InvoiceBook.storedRequest`. Everything an answer
/// shows, the priced lines included, is read from plain columns without a JSON decoder.
package struct Invoice: Sendable, Equatable {
    package var id: UUID
    package var reservationID: String
    /// The order number the host chose for the payment page, if it chose one.
    package var displayNumber: String?
    package var status: InvoiceStatus
    package var description: String
    package var currency: Currency
    package var amount: Int64
    package var vatAmount: Int64
    package var refundedAmount: Int64
    package var providerOrderID: String?
    package var paymentURL: String?
    package var expiresAt: Date?
    package var paidAt: Date?
    package var canceledAt: Date?
    package var failureCode: String?
    package var createdAt: Date
    package var updatedAt: Date
    /// The document as the payer sees it: its number in the provider's series and its public
    /// links, where the provider gives them (the payment page stands in for Invoicebox's view).
    package var documents = ProviderDocuments()
    /// Made by the tenant in the provider's own application, not through Folio: read-only here.
    package var madeAtProvider = false
    /// What the invoice started as at the provider; `documents` are that document's.
    package var documentKind = OrderDocumentKind.invoice
    /// The provider's id of the tax invoice issued from the paid proforma, once it is issued.
    package var taxInvoiceID: String?
    /// The tax invoice issued from the paid proforma, once it is issued.
    package var taxInvoice: ProviderDocuments?

    /// A paid proforma whose tax invoice is still to be issued.
    package var awaitsTaxInvoice: Bool {
        documentKind == .proforma && status == .paid && taxInvoiceID == nil && providerOrderID != nil
    }
    /// `created_at` in microseconds since 1970, exactly as stored, for cursors.
    var createdMicros: Int64
    /// The host's lines with their priced amounts, as stored when the invoice was recorded.
    package var lines: [InvoiceLine]

    /// Every column `init(row:)` reads, in its order, for `SELECT` and `RETURNING` lists.
    ///
    /// Invoices recorded before the priced lines were stored have no `line_skus`; for those alone
    /// the stored request is read and priced again.
    package static let columns = """
        id, reservation_id, status, description, currency, amount_minor, vat_amount_minor, refunded_minor,
        provider_order_id, payment_url, expires_at, paid_at, canceled_at, failure_code, created_at, updated_at,
        (extract(epoch FROM created_at) * 1000000)::bigint,
        line_skus, line_names, line_quantities, line_unit_prices, line_amounts, line_vat_amounts, line_vat_codes,
        CASE WHEN line_skus IS NULL THEN request END,
        display_number, document_number, view_url, pdf_url, origin,
        document_kind, tax_invoice_id, tax_invoice_number, tax_invoice_view_url, tax_invoice_pdf_url
        """

    /// One row of `columns`. Each cell is decoded with its concrete type, which the compiler
    /// specialises; a tuple decode of this width goes through generic code at run time.
    init(row: PostgresRow) throws {
        let cells = PostgresRandomAccessRow(row)
        id = try cells[0].decode(UUID.self)
        reservationID = try cells[1].decode(String.self)
        status = try StoredValue.decode(InvoiceStatus.self, try cells[2].decode(String.self), column: "invoices.status")
        description = try cells[3].decode(String.self)
        currency = try StoredValue.decode(Currency.self, try cells[4].decode(String.self), column: "invoices.currency")
        amount = try cells[5].decode(Int64.self)
        vatAmount = try cells[6].decode(Int64.self)
        refundedAmount = try cells[7].decode(Int64.self)
        providerOrderID = try cells[8].decode(String?.self)
        paymentURL = try cells[9].decode(String?.self)
        expiresAt = try cells[10].decode(Date?.self)
        paidAt = try cells[11].decode(Date?.self)
        canceledAt = try cells[12].decode(Date?.self)
        failureCode = try cells[13].decode(String?.self)
        createdAt = try cells[14].decode(Date.self)
        updatedAt = try cells[15].decode(Date.self)
        createdMicros = try cells[16].decode(Int64.self)
        if let skus = try cells[17].decode([String]?.self) {
            lines = try StoredLines(
                skus: skus, names: try cells[18].decode([String].self), quantities: try cells[19].decode([Int64].self),
                unitPrices: try cells[20].decode([Int64].self), amounts: try cells[21].decode([Int64].self),
                vatAmounts: try cells[22].decode([Int64].self), vatCodes: try cells[23].decode([String].self)
            ).lines()
        } else {
            let request = try cells[24].decode(InvoiceRequest.self)
            // The request was priced before it was stored, so pricing it again cannot fail.
            lines = (try? InvoiceLine.lines(of: request)) ?? []
        }
        displayNumber = try cells[25].decode(String?.self)
        documents = ProviderDocuments(
            number: try cells[26].decode(String?.self), viewURL: try cells[27].decode(String?.self), pdfURL: try cells[28].decode(String?.self))
        madeAtProvider = try cells[29].decode(String.self) == "provider"
        documentKind = try StoredValue.decode(OrderDocumentKind.self, try cells[30].decode(String.self), column: "invoices.document_kind")
        taxInvoiceID = try cells[31].decode(String?.self)
        if taxInvoiceID != nil {
            taxInvoice = ProviderDocuments(
                number: try cells[32].decode(String?.self), viewURL: try cells[33].decode(String?.self), pdfURL: try cells[34].decode(String?.self))
        }
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [Invoice] {
        var invoices: [Invoice] = []
        for try await row in rows {
            invoices.append(try Invoice(row: row))
        }
        return invoices
    }
}

/// An invoice's priced lines as its `line_…` array columns hold them, one array per field, so
/// that they are stored and read in PostgreSQL's binary form rather than as JSON.
package struct StoredLines: Sendable {
    package var skus: [String]
    package var names: [String]
    package var quantities: [Int64]
    package var unitPrices: [Int64]
    package var amounts: [Int64]
    package var vatAmounts: [Int64]
    package var vatCodes: [String]

    init(skus: [String], names: [String], quantities: [Int64], unitPrices: [Int64], amounts: [Int64], vatAmounts: [Int64], vatCodes: [String]) {
        self.skus = skus
        self.names = names
        self.quantities = quantities
        self.unitPrices = unitPrices
        self.amounts = amounts
        self.vatAmounts = vatAmounts
        self.vatCodes = vatCodes
    }

    package init(_ lines: [InvoiceLine]) {
        self.init(
            skus: lines.map(\.sku), names: lines.map(\.name), quantities: lines.map(\.quantity), unitPrices: lines.map(\.unitPrice),
            amounts: lines.map(\.totalAmount.value), vatAmounts: lines.map(\.totalVATAmount.value), vatCodes: lines.map(\.vatCode.rawValue)
        )
    }

    func lines() throws -> [InvoiceLine] {
        let count = skus.count
        guard [names.count, quantities.count, unitPrices.count, amounts.count, vatAmounts.count, vatCodes.count].allSatisfy({ $0 == count }) else {
            throw UnknownStoredValue(column: "invoices.line_skus", value: "arrays of unequal length")
        }
        return try (0..<count).map { index in
            InvoiceLine(
                sku: skus[index], name: names[index], quantity: quantities[index], unitPrice: unitPrices[index],
                totalAmount: MinorUnits(amounts[index]), totalVATAmount: MinorUnits(vatAmounts[index]),
                vatCode: try StoredValue.decode(VATCode.self, vatCodes[index], column: "invoices.line_vat_codes")
            )
        }
    }
}

/// A line of an invoice: what the host asked for, with the amounts the provider was sent.
package struct InvoiceLine: Sendable, Equatable {
    package var sku: String
    package var name: String
    /// As the host asked; the provider may have been sent one unit at the line total (see `Basket.price`).
    package var quantity: Int64
    /// As the host asked, VAT included.
    package var unitPrice: Int64
    package var totalAmount: MinorUnits
    package var totalVATAmount: MinorUnits
    package var vatCode: VATCode

    package static func lines(of request: InvoiceRequest) throws(BasketError) -> [InvoiceLine] {
        var lines: [InvoiceLine] = []
        for (item, basketLine) in zip(request.items, request.basketLines) {
            let priced = try Basket.price(basketLine)
            lines.append(
                InvoiceLine(
                    sku: priced.sku, name: priced.name, quantity: item.quantity, unitPrice: item.unitPrice,
                    totalAmount: priced.totalAmount, totalVATAmount: priced.totalVATAmount, vatCode: priced.vatCode
                ))
        }
        return lines
    }
}

/// A page of invoices, newest first.
package struct InvoicePage: Sendable {
    package var invoices: [Invoice]
    package var nextCursor: String?
}

/// The filters of the invoice list.
package struct InvoiceFilter: Sendable, Equatable {
    package var status: InvoiceStatus?
    package var reservationID: String?
    package var createdFrom: Date?
    package var createdTo: Date?

    package init(status: InvoiceStatus? = nil, reservationID: String? = nil, createdFrom: Date? = nil, createdTo: Date? = nil) {
        self.status = status
        self.reservationID = reservationID
        self.createdFrom = createdFrom
        self.createdTo = createdTo
    }
}

/// Where a page ends: the creation time and id of its last invoice.
struct InvoiceCursor: Equatable {
    var createdMicros: Int64
    var id: UUID

    var encoded: String {
        Data("\(createdMicros)/\(id.uuidString.lowercased())".utf8).base64URLEncodedString()
    }

    init(createdMicros: Int64, id: UUID) {
        self.createdMicros = createdMicros
        self.id = id
    }

    init?(_ text: String) {
        guard text.count <= 128, let data = Data(base64URLEncoded: text), let decoded = String(data: data, encoding: .utf8) else { return nil }
        let parts = decoded.split(separator: "/")
        // Within the years PostgreSQL's timestamps hold (1970 to 9999), so a forged cursor is a
        // bad parameter rather than an arithmetic error in the query.
        guard parts.count == 2, let micros = Int64(parts[0]), (0...253_402_300_799_999_999).contains(micros),
            let id = UUID(uuidString: String(parts[1]))
        else { return nil }
        self.init(createdMicros: micros, id: id)
    }
}
