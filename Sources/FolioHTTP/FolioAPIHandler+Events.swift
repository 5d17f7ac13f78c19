import FolioAPI
import FolioDomain
import Foundation
import InvoicingService

extension FolioAPIHandler {
    package func listEvents(_ input: Operations.ListEvents.Input) async throws -> Operations.ListEvents.Output {
        let tenant = try await existingTenant(input.path.tenantId)
        let limit = input.query.limit ?? 20
        guard (1...100).contains(limit) else { throw APIProblem.invalidParameter("limit", "must be between 1 and 100") }
        let after = input.query.after ?? 0
        guard after >= 0 else { throw APIProblem.invalidParameter("after", "must be 0 or a sequence number") }
        // One more than asked tells whether another page follows now.
        let invoice = try input.query.invoiceId.map(Self.invoiceID)
        let found = try await events.events(of: tenant, invoice: invoice, after: after, limit: limit + 1)
        let page = found.prefix(limit)
        let next = found.count > limit ? page.last.map { String($0.sequence) } : nil
        var items = try page.map(Components.Schemas.Event.init)
        // A browser session shows the tenant its history; how the host's own webhook endpoint
        // failed is the host's business, not the hotel's.
        if case .session = try principal {
            for index in items.indices { items[index].delivery.lastError = nil }
        }
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }
}

extension Components.Schemas.Event {
    init(_ event: HostEvent) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        self.init(
            id: event.id.uuidString.lowercased(),
            _type: try .init(stored: event.type),
            tenantId: event.tenantID.description,
            sequence: event.sequence,
            timestamp: event.createdAt,
            invoiceId: event.invoiceID?.uuidString.lowercased(),
            reservationId: event.reservationID,
            data: try decoder.decode(Components.Schemas.EventData.self, from: Data(event.data.utf8)),
            delivery: .init(
                status: .init(event.delivery),
                attempts: event.attempts,
                nextAttemptAt: event.delivery == .pending ? event.nextAttemptAt : nil,
                deliveredAt: event.deliveredAt,
                lastError: event.lastError
            )
        )
    }
}

extension Components.Schemas.Event._TypePayload {
    /// A type this version does not know was written by something else: an error, never a guess.
    init(stored raw: String) throws(UnknownStoredValue) {
        guard let type = HostEventType(rawValue: raw) else { throw UnknownStoredValue(column: "events.type", value: raw) }
        switch type {
        case .invoiceCreated: self = .invoice_created
        case .invoiceHeld: self = .invoice_held
        case .invoicePartiallyPaid: self = .invoice_partiallyPaid
        case .invoicePaid: self = .invoice_paid
        case .invoiceCanceled: self = .invoice_canceled
        case .invoiceExpired: self = .invoice_expired
        case .invoiceFailed: self = .invoice_failed
        case .invoiceRefunded: self = .invoice_refunded
        case .invoiceReversed: self = .invoice_reversed
        case .invoiceUpdated: self = .invoice_updated
        case .invoiceFulfilled: self = .invoice_fulfilled
        case .invoiceDocumentIssued: self = .invoice_documentIssued
        case .refundCompleted: self = .refund_completed
        case .refundCanceled: self = .refund_canceled
        case .invoicingActivated: self = .invoicing_activated
        case .invoicingDisabled: self = .invoicing_disabled
        }
    }
}

extension Components.Schemas.EventDelivery.StatusPayload {
    init(_ delivery: HostEvent.Delivery) {
        switch delivery {
        case .pending: self = .pending
        case .delivered: self = .delivered
        case .dead: self = .dead
        }
    }
}
