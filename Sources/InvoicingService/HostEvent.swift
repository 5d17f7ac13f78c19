import FolioDomain
import Foundation
import PaymentsPort

/// What the host platform learns happened, as a webhook and in the event feed.
package enum HostEventType: String, Sendable, CaseIterable {
    case invoiceCreated = "invoice.created"
    case invoiceHeld = "invoice.held"
    case invoicePartiallyPaid = "invoice.partially_paid"
    case invoicePaid = "invoice.paid"
    case invoiceCanceled = "invoice.canceled"
    case invoiceExpired = "invoice.expired"
    case invoiceFailed = "invoice.failed"
    case invoiceRefunded = "invoice.refunded"
    case invoiceReversed = "invoice.reversed"
    case invoiceUpdated = "invoice.updated"
    case invoiceFulfilled = "invoice.fulfilled"
    /// The tax invoice of a paid proforma was issued; `data.document` is it.
    case invoiceDocumentIssued = "invoice.document_issued"
    case refundCompleted = "refund.completed"
    case refundCanceled = "refund.canceled"
    case invoicingActivated = "invoicing.activated"
    case invoicingDisabled = "invoicing.disabled"

    /// The event of an invoice reaching `status`.
    static func reaching(_ status: InvoiceStatus) -> HostEventType? {
        switch status {
        case .pending: nil
        case .open: .invoiceCreated
        case .held: .invoiceHeld
        case .partiallyPaid: .invoicePartiallyPaid
        case .paid: .invoicePaid
        case .canceled: .invoiceCanceled
        case .expired: .invoiceExpired
        case .failed: .invoiceFailed
        case .partiallyRefunded, .refunded: .invoiceRefunded
        case .reversed: .invoiceReversed
        }
    }
}

/// An event as stored in the outbox.
package struct HostEvent: Sendable, Equatable {
    package enum Delivery: String, Sendable {
        case pending, delivered, dead
    }

    package var id: UUID
    package var tenantID: TenantID
    /// 1, 2, 3, … per tenant, in commit order.
    package var sequence: Int64
    package var type: String
    package var invoiceID: UUID?
    package var reservationID: String?
    /// The event's `data` object, as JSON.
    package var data: String
    package var createdAt: Date
    package var delivery: Delivery
    package var attempts: Int
    package var nextAttemptAt: Date?
    package var deliveredAt: Date?
    package var lastError: String?

    /// The columns `EventLog.decode` reads, each qualified by `prefix` (a table alias and a dot).
    package static func columns(prefix: String = "") -> String {
        [
            "id", "tenant_id", "sequence", "type", "invoice_id", "reservation_id", "data", "created_at", "delivery", "attempts",
            "next_attempt_at", "delivered_at", "last_error",
        ]
        .map { $0 == "data" ? "\(prefix)data::text" : prefix + $0 }
        .joined(separator: ", ")
    }

    /// The body posted to the host: the same fields as the feed shows, without delivery state.
    package var webhookBody: Data {
        var object: [String: Any] = [
            "id": id.uuidString.lowercased(),
            "type": type,
            "tenantId": tenantID.description,
            "sequence": sequence,
            "timestamp": EventData.timestamp(createdAt),
        ]
        if let invoiceID { object["invoiceId"] = invoiceID.uuidString.lowercased() }
        if let reservationID { object["reservationId"] = reservationID }
        object["data"] = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) ?? [String: Any]()
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    }
}

/// The `data` of an event: the invoice (or the tenant's invoicing) as it is after the change.
package struct EventData: Codable, Sendable, Equatable {
    package var invoiceId: String?
    package var reservationId: String?
    package var status: String?
    package var amount: Int64?
    package var currency: String?
    package var refundedAmount: Int64?
    package var paymentUrl: String?
    package var providerOrderId: String?
    package var paidAt: String?
    package var canceledAt: String?
    package var failureCode: String?
    package var refund: RefundData?
    package var merchantId: String?
    /// Set on `invoice.fulfilled`: the fulfilment the provider accepted.
    package var fulfilment: FulfilmentData?
    /// Set on `invoice.document_issued`: the document now issued.
    package var document: DocumentData?

    package struct DocumentData: Codable, Sendable, Equatable {
        package var kind: String
        package var number: String?
        package var viewUrl: String?
        package var pdfUrl: String?

        init(_ document: ProviderDocuments, kind: String) {
            self.kind = kind
            number = document.number
            viewUrl = document.viewURL
            pdfUrl = document.pdfURL
        }
    }

    package struct RefundData: Codable, Sendable, Equatable {
        package var id: String
        package var amount: Int64
        package var status: String
    }

    init(invoice: Invoice, refund: Refund? = nil) {
        invoiceId = invoice.id.uuidString.lowercased()
        reservationId = invoice.reservationID
        status = invoice.status.rawValue
        amount = invoice.amount
        currency = invoice.currency.rawValue
        refundedAmount = invoice.refundedAmount
        paymentUrl = invoice.paymentURL
        providerOrderId = invoice.providerOrderID
        paidAt = invoice.paidAt.map(Self.timestamp)
        canceledAt = invoice.canceledAt.map(Self.timestamp)
        failureCode = invoice.failureCode
        self.refund = refund.map { RefundData(id: $0.id.uuidString.lowercased(), amount: $0.amount, status: $0.status.rawValue) }
    }

    init(invoicingState: String, merchantID: String?) {
        status = invoicingState
        merchantId = merchantID
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    /// RFC 3339 in UTC, to the second.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}
