import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

/// Invoices that start as a proforma (a request for a prepayment, no tax document) and get
/// their tax invoice once paid, made from the proforma at the provider.
///
/// The commit that records the payment also queues the tax invoice in `folio.pending_creations`
/// (kind `tax_invoice`), so whatever dies afterwards, the recovery job issues it. Right after that
/// commit one attempt claims the queue row and issues it; the recovery job takes the row only once
/// that claim's lease ran out, so two attempts do not call the provider at once. It is issued
/// under its own merchant order id (`OrderDocumentKind.taxInvoiceMerchantOrderID`), which the
/// provider keeps unique and the adapter looks up first: a retry adopts the document an earlier
/// attempt made, and never makes a second one. Recording it is one commit with the host's
/// `invoice.document_issued` event.
extension InvoiceBook {
    /// How long the attempt right after the payment holds the queue row before the recovery job may take it.
    static let taxInvoiceClaimSeconds = 120

    /// Queues the paid proforma's tax invoice, in the unit of work that records the payment. A
    /// row the invoice's creation left (its recovery raced the creation) is stale now that the
    /// invoice is paid, and becomes this one.
    static func queueTaxInvoice(of invoice: Invoice, tenant: TenantID, on connection: PostgresConnection, logger: Logger) async throws {
        let kind = PendingCreations.Kind.taxInvoice.rawValue
        try await connection.query(
            """
            INSERT INTO folio.pending_creations (tenant_id, resource_id, kind, due_at)
            VALUES (\(tenant.rawValue), \(invoice.id), \(kind), now() + \(taxInvoiceClaimSeconds) * interval '1 second')
            ON CONFLICT (tenant_id, resource_id) DO UPDATE SET kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, attempts = 0
            WHERE pending_creations.kind <> EXCLUDED.kind
            """,
            logger: logger
        )
    }

    /// The invoice with its tax invoice issued, when it awaits one and this is the first attempt
    /// to claim it; otherwise, or when the provider cannot issue it now, the invoice as it is
    /// (the failure logged), left to the attempt that holds it or to the recovery job.
    func issuingTaxInvoiceIfDue(_ invoice: Invoice, tenant: TenantID) async -> Invoice {
        guard invoice.awaitsTaxInvoice else { return invoice }
        do {
            guard try await claimTaxInvoice(of: invoice.id, tenant: tenant) else { return invoice }
            return try await issueTaxInvoice(tenant, invoice)
        } catch {
            FailureReport.record(
                error, "tax invoice not issued yet; the recovery job will issue it", operation: "tax_invoice.issue", tenant: tenant,
                extra: ["invoice.id": "\(invoice.id)"], logger: logger
            )
            return invoice
        }
    }

    /// Takes the queued row for the attempt right after the payment: only the first attempt, and
    /// only before the recovery job leased it, gets it. One statement on the registry's queue, so
    /// no unit of work in the tenant's schema is opened for it.
    private func claimTaxInvoice(of id: UUID, tenant: TenantID) async throws -> Bool {
        let rows = try await setup.client.query(
            """
            UPDATE folio.pending_creations SET attempts = attempts + 1, due_at = now() + \(Self.taxInvoiceClaimSeconds) * interval '1 second'
            WHERE tenant_id = \(tenant.rawValue) AND resource_id = \(id) AND kind = \(PendingCreations.Kind.taxInvoice.rawValue) AND attempts = 0
            RETURNING 1
            """,
            logger: logger
        )
        let claimed = try await rows.collect()
        return !claimed.isEmpty
    }

    /// Issues (or adopts) the tax invoice of a paid proforma and records it; the recovery job's
    /// entry point, on a row it leased. An invoice that awaits none any more leaves the queue as it is.
    package func issueTaxInvoice(_ tenant: TenantID, _ invoice: Invoice) async throws -> Invoice {
        guard invoice.awaitsTaxInvoice, let proformaID = invoice.providerOrderID else {
            try await dequeue(tenant, invoice.id, kind: .taxInvoice)
            return invoice
        }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        let document = try await provider.issueTaxInvoice(
            fromProforma: proformaID, merchantOrderID: OrderDocumentKind.taxInvoiceMerchantOrderID(of: invoice.id), shop: shop)
        return try await recordTaxInvoice(document, of: invoice.id, tenant: tenant)
    }

    /// The statuses of a proforma invoice that may still get its tax invoice: created and not ended unpaid.
    static let statusesTakingTaxInvoice: Set<InvoiceStatus> = [.open, .held, .partiallyPaid, .paid]

    /// A tax invoice the tenant made in the provider's application from one of Folio's proformas
    /// belongs to that invoice and is never imported as an invoice of its own. It is recorded as
    /// the invoice's tax invoice when it is first seen, paid or not yet, so that Folio never
    /// issues another: provided the invoice has none, has not ended unpaid, and the document is
    /// not void and has the proforma's currency and total. One that does not qualify is left
    /// alone with a warning. Returns the proforma's invoice; nil when `order` was made from no
    /// proforma of Folio's.
    package func takeTaxInvoiceMadeAtProvider(_ order: ProviderOrder, tenant: TenantID) async throws -> Invoice? {
        guard let source = order.madeFromOrderID,
            let proforma = try await Self.invoice(tenant, merchantOrderID: "", providerOrderID: source, in: tenants),
            proforma.documentKind == .proforma, proforma.providerOrderID == source
        else { return nil }
        guard proforma.taxInvoiceID != order.id else { return proforma }
        let void = order.status == .voided || order.status == .canceled
        let fits = !void && order.currency.uppercased() == proforma.currency.rawValue && order.amount.value == proforma.amount
        guard proforma.taxInvoiceID == nil, Self.statusesTakingTaxInvoice.contains(proforma.status), fits else {
            logger.warning(
                "a tax invoice made at the provider from the proforma is not the invoice's; left alone",
                metadata: [
                    "tenant.id": "\(tenant)", "invoice.id": "\(proforma.id)", "provider.document_id": "\(order.id)",
                    "invoice.status": "\(proforma.status.rawValue)", "has_tax_invoice": "\(proforma.taxInvoiceID != nil)", "fits": "\(fits)",
                ])
            return proforma
        }
        return try await recordTaxInvoice(order, of: proforma.id, tenant: tenant)
    }

    /// The tax invoice kept beside its proforma, the queue row removed and the host told, in one
    /// commit. A second attempt that issued the same document finds it recorded and changes nothing.
    private func recordTaxInvoice(_ document: ProviderOrder, of id: UUID, tenant: TenantID) async throws -> Invoice {
        let logger = logger
        return try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                """
                UPDATE invoices SET tax_invoice_id = \(document.id), tax_invoice_number = \(document.documents.number),
                    tax_invoice_view_url = \(document.documents.viewURL), tax_invoice_pdf_url = \(document.documents.pdfURL), updated_at = now()
                WHERE id = \(id) AND tax_invoice_id IS NULL
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            let recorded = try await Invoice.decode(rows).first
            try await PendingCreations.remove(id, kind: .taxInvoice, of: tenant, on: connection, logger: logger)
            guard let recorded else {
                let current = try await Self.invoice(id, on: connection, logger: logger)
                if current.taxInvoiceID != document.id {
                    // Two tax documents for one proforma at the provider: the tenant must void one there.
                    logger.warning(
                        "the proforma already has another tax invoice; this one is left alone",
                        metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(id)", "provider.document_id": "\(document.id)"])
                }
                return current
            }
            // Last before the commit, which is as long as the tenant's event counter stays locked.
            var data = EventData(invoice: recorded)
            data.document = recorded.taxInvoice.map { EventData.DocumentData($0, kind: "vat") }
            try await EventLog.append(
                .invoiceDocumentIssued, tenant: tenant, invoiceID: id, reservationID: recorded.reservationID, data: data, on: connection,
                logger: logger
            )
            logger.info(
                "tax invoice recorded for the proforma",
                metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(id)", "provider.document_id": "\(document.id)"])
            return recorded
        }
    }
}
