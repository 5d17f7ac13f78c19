import FolioDomain
import Foundation
import PaymentsPort
import PostgresNIO
import TenantRegistry

/// What the host reports rendered at check-out: every line not yet fulfilled, or some lines by
/// their index in the invoice with a quantity. Prices never come from the host: each line is
/// priced from the invoice's own stored lines.
package struct FulfilmentRequest: Sendable, Equatable {
    package struct Line: Sendable, Equatable {
        /// The line's position in the invoice's `items`, from 0.
        package var index: Int
        package var quantity: Int64

        package init(index: Int, quantity: Int64) {
            self.index = index
            self.quantity = quantity
        }
    }

    package var lines: [Line]?
    /// The provider's document number (waybill, act, …); Folio's fulfilment id when not given.
    package var documentNumber: String?
    /// `YYYY-MM-DD`.
    package var documentDate: String?
    /// No more fulfilments follow; what no fulfilment took of held funds goes back to the guest.
    package var final: Bool

    package init(lines: [Line]? = nil, documentNumber: String? = nil, documentDate: String? = nil, final: Bool = false) {
        self.lines = lines
        self.documentNumber = documentNumber
        self.documentDate = documentDate
        self.final = final
    }

    /// The rules that do not depend on the invoice.
    package func violations() -> [FieldViolation] {
        var found: [FieldViolation] = []
        if let lines {
            if !(1...InvoiceRequest.maximumItems).contains(lines.count) {
                found.append(FieldViolation(pointer: "/items", code: "out_of_range", detail: "must have 1 to \(InvoiceRequest.maximumItems) items"))
            }
            for (position, line) in lines.enumerated() {
                if !(0..<InvoiceRequest.maximumItems).contains(line.index) {
                    found.append(FieldViolation(pointer: "/items/\(position)/line", code: "unknown", detail: "the invoice has no line with this index"))
                }
                if !BasketError.quantities.contains(line.quantity) {
                    found.append(
                        FieldViolation(
                            pointer: "/items/\(position)/quantity", code: "out_of_range", detail: "must be from 1 to \(BasketError.quantities.upperBound)"))
                }
            }
            if Set(lines.map(\.index)).count != lines.count {
                found.append(FieldViolation(pointer: "/items", code: "duplicate_line", detail: "name each line once"))
            }
        }
        if let documentNumber {
            found += FieldViolation.checkIdentifier(documentNumber, pointer: "/documentNumber", lengths: 1...36)
        }
        if let documentDate, CalendarDate.parse(documentDate) == nil {
            found.append(FieldViolation(pointer: "/documentDate", code: "invalid_format", detail: "must be a date YYYY-MM-DD"))
        }
        return found
    }
}

/// What one invoice line rendered in a fulfilment, priced from the invoice.
package struct FulfilmentLine: Sendable, Equatable, Codable {
    /// The line's position in the invoice's `items`.
    package var line: Int
    package var sku: String
    package var quantity: Int64
    package var amount: Int64
    package var vatAmount: Int64
}

/// A fulfilment as Folio keeps it: one shipment at the provider.
package struct Fulfilment: Sendable, Equatable {
    package enum Status: String, Sendable {
        /// Committed by Folio, not yet confirmed by the provider.
        case pending
        /// Accepted by the provider, still being processed there.
        case created
        /// Recorded by the provider: its documents are formed.
        case completed
        /// The provider canceled it: it no longer counts against the invoice.
        case canceled
        /// The provider refused it; nothing was recorded.
        case failed

        /// Folio's status for the provider's; `nil` for one that says nothing Folio can use.
        package init?(provider status: ProviderShipmentStatus) {
            switch status {
            case .draft, .pending: self = .created
            case .completed: self = .completed
            case .canceled: self = .canceled
            case .unrecognized: return nil
            }
        }

        /// Whether it counts against what is left to fulfil.
        var counts: Bool {
            self != .failed && self != .canceled
        }
    }

    package var id: UUID
    package var invoiceID: UUID
    package var status: Status
    package var amount: Int64
    package var vatAmount: Int64
    package var lines: [FulfilmentLine]
    package var documentNumber: String
    package var documentDate: String?
    package var final: Bool
    package var providerShipmentID: String?
    package var failureCode: String?
    package var createdAt: Date

    static let columns = """
        id, invoice_id, status, amount_minor, vat_amount_minor, lines, document_number, document_date::text, final,
        provider_shipment_id, failure_code, created_at
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [Fulfilment] {
        var fulfilments: [Fulfilment] = []
        for try await row in rows {
            let cells = PostgresRandomAccessRow(row)
            fulfilments.append(
                Fulfilment(
                    id: try cells[0].decode(UUID.self), invoiceID: try cells[1].decode(UUID.self),
                    status: try StoredValue.decode(Status.self, try cells[2].decode(String.self), column: "fulfilments.status"),
                    amount: try cells[3].decode(Int64.self), vatAmount: try cells[4].decode(Int64.self),
                    lines: try cells[5].decode(StoredLineArray<FulfilmentLine>.self).lines, documentNumber: try cells[6].decode(String.self),
                    documentDate: try cells[7].decode(String?.self), final: try cells[8].decode(Bool.self),
                    providerShipmentID: try cells[9].decode(String?.self), failureCode: try cells[10].decode(String?.self),
                    createdAt: try cells[11].decode(Date.self)
                ))
        }
        return fulfilments
    }
}

/// Why a fulfilment is refused.
package enum FulfilmentError: Error, Equatable, Sendable, LogSafeError {
    /// Only a held or paid invoice can be fulfilled; `status` is where it is now.
    case notFulfillable(status: InvoiceStatus)
    /// A final fulfilment closed the invoice: nothing more is rendered.
    case closed
    /// More than the invoice holds would be fulfilled; each violation names a line.
    case exceedsInvoice([FieldViolation])
    /// The document number names another fulfilment of the invoice.
    case documentNumberUsed
}
