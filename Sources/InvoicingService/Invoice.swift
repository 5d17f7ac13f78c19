import FolioDomain
import Foundation
import PostgresNIO
import TenantRegistry

extension InvoiceRequest: PostgresCodable {}

/// An invoice as Folio keeps it.
package struct Invoice: Sendable, Equatable {
    package var id: UUID
    package var reservationID: String
    package var status: InvoiceStatus
    package var description: String
    package var currency: Currency
    package var amount: Int64
    package var vatAmount: Int64
    package var refundedAmount: Int64
    package var request: InvoiceRequest
    package var providerOrderID: String?
    package var paymentURL: String?
    package var expiresAt: Date?
    package var paidAt: Date?
    package var canceledAt: Date?
    package var failureCode: String?
    package var createdAt: Date
    package var updatedAt: Date
    /// `created_at` in microseconds since 1970, exactly as stored, for cursors.
    var createdMicros: Int64

    /// The host's lines with their priced amounts, computed once as the invoice is read.
    package let lines: [InvoiceLine]

    init(
        id: UUID, reservationID: String, status: InvoiceStatus, description: String, currency: Currency, amount: Int64,
        vatAmount: Int64, refundedAmount: Int64, request: InvoiceRequest, providerOrderID: String?, paymentURL: String?,
        expiresAt: Date?, paidAt: Date?, canceledAt: Date?, failureCode: String?, createdAt: Date, updatedAt: Date, createdMicros: Int64
    ) {
        self.id = id
        self.reservationID = reservationID
        self.status = status
        self.description = description
        self.currency = currency
        self.amount = amount
        self.vatAmount = vatAmount
        self.refundedAmount = refundedAmount
        self.request = request
        self.providerOrderID = providerOrderID
        self.paymentURL = paymentURL
        self.expiresAt = expiresAt
        self.paidAt = paidAt
        self.canceledAt = canceledAt
        self.failureCode = failureCode
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdMicros = createdMicros
        // The request was priced before it was stored, so pricing it again cannot fail.
        self.lines = (try? InvoiceLine.lines(of: request)) ?? []
    }

    static let columns = """
        id, reservation_id, status, description, currency, amount_minor, vat_amount_minor, refunded_minor, request,
        provider_order_id, payment_url, expires_at, paid_at, canceled_at, failure_code, created_at, updated_at,
        (extract(epoch FROM created_at) * 1000000)::bigint
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [Invoice] {
        try await rows.decode(
            (
                UUID, String, String, String, String, Int64, Int64, Int64, InvoiceRequest,
                String?, String?, Date?, Date?, Date?, String?, Date, Date, Int64
            ).self
        ).collect().map { row in
            Invoice(
                id: row.0, reservationID: row.1, status: try StoredValue.decode(InvoiceStatus.self, row.2, column: "invoices.status"), description: row.3,
                currency: try StoredValue.decode(Currency.self, row.4, column: "invoices.currency"), amount: row.5, vatAmount: row.6, refundedAmount: row.7,
                request: row.8,
                providerOrderID: row.9, paymentURL: row.10, expiresAt: row.11, paidAt: row.12, canceledAt: row.13,
                failureCode: row.14, createdAt: row.15, updatedAt: row.16, createdMicros: row.17
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

    static func lines(of request: InvoiceRequest) throws(BasketError) -> [InvoiceLine] {
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
