import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

extension InvoiceBook {
    /// Refuses an operation the tenant's provider does not do, before anything is stored or sent.
    func require(_ capability: ProviderCapabilities, of shop: ShopCredentials, operation: String) throws {
        guard provider.capabilities(of: shop.provider).contains(capability) else {
            throw InvoicingError.notSupportedByProvider(operation: operation, provider: shop.provider)
        }
    }

    /// The statuses whose document may be sent and whose payments recorded: it exists at the
    /// provider and is still a bill or its receipt.
    static let documentStatuses: Set<InvoiceStatus> = [.open, .held, .partiallyPaid, .paid, .partiallyRefunded, .refunded]
    /// The statuses a payment can be recorded on: money is still owed.
    static let payableStatuses: Set<InvoiceStatus> = [.open, .partiallyPaid]

    /// The invoice and its shop for an operation on its document at the provider: refused when
    /// the tenant's provider lacks `capability`, and a creation still pending finished first.
    private func invoiceAtProvider(
        _ tenant: TenantID, id: UUID, needing capability: ProviderCapabilities, operation: String
    ) async throws -> (Invoice, ShopCredentials) {
        var invoice = try await existing(tenant, id)
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        try require(capability, of: shop, operation: operation)
        if invoice.status == .pending { invoice = try await finishCreation(tenant, invoice) }
        return (invoice, shop)
    }

    /// E-mails the invoice's document to the payer (or to `recipients`) through the provider.
    /// Sending twice sends two e-mails, which is what a host asking twice means.
    package func sendDocument(_ tenant: TenantID, id: UUID, to recipients: [String], attachPDF: Bool) async throws -> Invoice {
        let (invoice, shop) = try await invoiceAtProvider(tenant, id: id, needing: .emailDocument, operation: "e-mail documents")
        guard Self.documentStatuses.contains(invoice.status), let orderID = invoice.providerOrderID else {
            throw InvoiceError.notSendable(status: invoice.status)
        }
        // Once a paid proforma's tax invoice is issued, that is the document the guest keeps.
        try await provider.sendDocument(orderID: invoice.taxInvoiceID ?? orderID, to: recipients, attachPDF: attachPDF, shop: shop)
        logger.info("invoice document e-mailed", metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(id)", "recipients": "\(recipients.count)"])
        return invoice
    }

    /// Records a payment the host took elsewhere on the provider's document, then moves the
    /// invoice to what the provider says it now is (`partially_paid` or `paid`), with its event.
    ///
    /// The provider's write is never repeated blindly: an answer that is lost is
    /// `PaymentError.outcomeUnknown`, and the host syncs the invoice (`POST …/sync`) to see
    /// whether the payment landed before it records it again.
    package func recordPayment(_ tenant: TenantID, id: UUID, amount: MinorUnits, paidAt: Date, method: String?) async throws -> Invoice {
        let (invoice, shop) = try await invoiceAtProvider(tenant, id: id, needing: .recordPayments, operation: "record payments taken elsewhere")
        guard Self.payableStatuses.contains(invoice.status), let orderID = invoice.providerOrderID else {
            throw InvoiceError.notPayable(status: invoice.status)
        }
        guard amount.value > 0, amount.value <= invoice.amount else {
            throw ValidationFailure(violations: [
                FieldViolation(pointer: "/amount", code: "out_of_range", detail: "must be between 1 and the invoice's amount, \(invoice.amount)")
            ])
        }
        let payment = PaymentRecord(
            id: UUID().uuidString.lowercased(), amount: amount, currency: invoice.currency.rawValue, paidAt: paidAt, method: method)
        let order = try await provider.recordPayment(payment, orderID: orderID, shop: shop)
        logger.info("payment recorded at the provider", metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(id)"])
        return try await apply(order, to: invoice, tenant: tenant)
    }

    /// A document the provider no longer has was deleted there: an invoice nobody paid anything
    /// on yet is void (`canceled`, with its event); one with money recorded on it, even in part,
    /// keeps its status, since the deletion returned nothing.
    package func voidDeletedDocument(of invoice: Invoice, tenant: TenantID) async throws -> Invoice {
        try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                """
                UPDATE invoices SET status = 'canceled', provider_status = 'deleted', canceled_at = COALESCE(canceled_at, now()),
                    synced_at = now(), updated_at = now()
                WHERE id = \(invoice.id) AND status IN ('open', 'held')
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            guard let voided = try await Invoice.decode(rows).first else { return invoice }
            try await ReconciliationSchedule.remove(voided.id, of: tenant, on: connection, logger: logger)
            try await EventLog.appendChange(of: voided, tenant: tenant, on: connection, logger: logger)
            logger.info("invoice void: its document was deleted at the provider", metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(invoice.id)"])
            return voided
        }
    }
}
