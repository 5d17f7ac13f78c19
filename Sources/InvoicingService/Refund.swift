import FolioDomain
import Foundation
import PaymentsPort
import PostgresNIO
import TenantRegistry

/// What the host asks to give back: everything still refundable, an amount spread over the lines
/// in their order, or an amount per line.
package struct RefundRequest: Sendable, Equatable {
    package struct Line: Sendable, Equatable {
        package var sku: String
        package var amount: Int64

        package init(sku: String, amount: Int64) {
            self.sku = sku
            self.amount = amount
        }
    }

    package var amount: Int64?
    package var lines: [Line]?
    package var description: String?

    package init(amount: Int64? = nil, lines: [Line]? = nil, description: String? = nil) {
        self.amount = amount
        self.lines = lines
        self.description = description
    }

    /// The rules that do not depend on the invoice.
    package func violations() -> [FieldViolation] {
        var found: [FieldViolation] = []
        if amount != nil, lines != nil {
            found.append(FieldViolation(pointer: "/items", code: "not_allowed", detail: "give either amount or items, not both"))
        }
        // A refund never exceeds its invoice, so an amount above the largest invoice is refused
        // here, before any arithmetic sees it.
        let amounts = 1...MinorUnits.largestInvoiceTotal
        if let amount, !amounts.contains(amount) {
            found.append(FieldViolation(pointer: "/amount", code: "out_of_range", detail: "must be from 1 to \(amounts.upperBound) minor units"))
        }
        if let lines {
            if !(1...InvoiceRequest.maximumItems).contains(lines.count) {
                found.append(FieldViolation(pointer: "/items", code: "out_of_range", detail: "must have 1 to \(InvoiceRequest.maximumItems) items"))
            }
            for (index, line) in lines.enumerated() where !amounts.contains(line.amount) {
                found.append(
                    FieldViolation(pointer: "/items/\(index)/amount", code: "out_of_range", detail: "must be from 1 to \(amounts.upperBound) minor units"))
            }
            for (index, line) in lines.enumerated() {
                found += FieldViolation.checkIdentifier(line.sku, pointer: "/items/\(index)/sku", lengths: 1...500)
            }
            if Set(lines.map(\.sku)).count != lines.count {
                found.append(FieldViolation(pointer: "/items", code: "duplicate_sku", detail: "name each line once"))
            }
        }
        if let description {
            found += FieldViolation.checkText(description, pointer: "/description", lengths: 1...1000)
        }
        return found
    }
}

/// What one invoice line gives back in a refund.
package struct RefundLine: Sendable, Equatable, Codable {
    package var sku: String
    package var amount: Int64
    package var vatAmount: Int64
}

/// A refund as Folio keeps it.
package struct Refund: Sendable, Equatable {
    package enum Status: String, Sendable {
        /// Committed by Folio, not yet confirmed by the provider.
        case pending
        /// Accepted by the provider; the money is on its way.
        case created
        case completed
        case canceled
        /// The provider refused it; nothing was given back.
        case failed

        /// Folio's status for the provider's; `nil` for one that says nothing Folio can use.
        package init?(provider status: ProviderRefundStatus) {
            switch status {
            case .created: self = .created
            case .completed: self = .completed
            case .canceled: self = .canceled
            case .unrecognized: return nil
            }
        }

        /// Whether a refund in this status may move to `next`: `pending` to any other, `created`
        /// to a final status, and nothing out of a final one, so late or repeated reads change nothing.
        package func canMove(to next: Status) -> Bool {
            switch self {
            case .pending: next != .pending
            case .created: next == .completed || next == .canceled
            case .completed, .canceled, .failed: false
            }
        }

        /// Whether its money was given back or is on its way.
        var isAccepted: Bool {
            self == .created || self == .completed
        }
    }

    package var id: UUID
    package var invoiceID: UUID
    package var status: Status
    package var amount: Int64
    package var vatAmount: Int64
    package var lines: [RefundLine]
    package var description: String
    package var providerRefundID: String?
    package var failureCode: String?
    package var createdAt: Date

    static let columns = """
        id, invoice_id, status, amount_minor, vat_amount_minor, lines, description, provider_refund_id, failure_code, created_at
        """

    static func decode(_ rows: PostgresRowSequence) async throws -> [Refund] {
        try await rows.decode((UUID, UUID, String, Int64, Int64, StoredLineArray<RefundLine>, String, String?, String?, Date).self).collect().map { row in
            Refund(
                id: row.0, invoiceID: row.1, status: try StoredValue.decode(Status.self, row.2, column: "refunds.status"), amount: row.3, vatAmount: row.4,
                lines: row.5.lines, description: row.6, providerRefundID: row.7, failureCode: row.8, createdAt: row.9
            )
        }
    }
}
