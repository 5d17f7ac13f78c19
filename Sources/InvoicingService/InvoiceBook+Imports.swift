import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

/// Documents the tenant made in its provider's own application (a Fakturownia account's invoices
/// issued there), kept in Folio's list beside its own invoices and marked as made outside Folio
/// (`origin = 'provider'`). They arrive by the account's webhooks and by `AccountReconciler`,
/// which reads the account's changes too because the provider documents no delivery retries.
///
/// An imported invoice is keyed by the provider's document id (`provider_order_id` is unique), so
/// importing a document twice, from a webhook and a reconciliation at once, keeps one row. Folio
/// only follows it afterwards: what the provider reports moves it forward, the host may cancel it,
/// and the provider's capabilities already refuse edits, refunds and fulfilments.
extension InvoiceBook {
    /// What taking one of the provider's documents into Folio did.
    package enum DocumentOutcome: Sendable, Equatable {
        /// An invoice held the document and was brought up to it.
        case applied(Invoice)
        /// The document is new to Folio and now an invoice of its own.
        case imported(Invoice)
        /// The document cannot be an invoice of Folio's (a currency or VAT rate Folio does not
        /// know, no lines, no positive amount); logged, left alone.
        case skipped
    }

    /// The actor named in the vault's audit when the account is read for its changes.
    package static let accountReadActor = "account-reconciliation"

    /// The shop of an active tenant, to read its account's documents with.
    package func accountShop(of tenant: TenantID) async throws -> ShopCredentials {
        try await setup.shop(of: tenant, actor: Self.accountReadActor)
    }

    /// One page of the account's documents, most recently changed first.
    package func documents(page: Int, pageSize: Int, shop: ShopCredentials) async throws -> ProviderPage<ProviderOrder> {
        try await provider.listOrders(OrderQuery(page: page, pageSize: pageSize), shop: shop)
    }

    /// Brings Folio up to a document the provider holds: the invoice that names it (by its id in
    /// the document's `merchantOrderID`, or by the document's id) moves forward to it; a document
    /// no invoice names is imported, unless `importing` is false (a change that makes no document).
    package func takeDocument(
        _ order: ProviderOrder, tenant: TenantID, provider name: ProviderName, importing: Bool = true
    ) async throws -> DocumentOutcome {
        if let invoice = try await Self.invoice(tenant, merchantOrderID: order.merchantOrderID, providerOrderID: order.id, in: tenants) {
            // A pending invoice belongs to its creation (or the recovery job), which settles it
            // with its schedule and events; moving it from here would race that second commit.
            guard invoice.status != .pending else { return .applied(invoice) }
            // Another document carrying this invoice's id (a copy made in the application) is not
            // the invoice's document and moves nothing, unless it is the tax invoice made from its proforma.
            guard invoice.providerOrderID == nil || invoice.providerOrderID == order.id else {
                return try await takeTaxInvoiceMadeAtProvider(order, tenant: tenant).map(DocumentOutcome.applied) ?? .skipped
            }
            return .applied(try await apply(order, to: invoice, tenant: tenant))
        }
        guard importing else { return .skipped }
        // A tax invoice made from one of Folio's proformas comes back as that proforma's invoice.
        return try await importDocument(order, tenant: tenant, provider: name).map { $0.providerOrderID == order.id ? .imported($0) : .applied($0) }
            ?? .skipped
    }

    /// Records a document made in the provider's application as an invoice of `origin = 'provider'`
    /// (a tax invoice made there from one of Folio's proformas is that invoice's instead)
    /// with the host's `invoice.created` event (and the event of its status, when it is already
    /// paid or canceled), scheduled for reconciliation while it is open. A document imported
    /// meanwhile is applied to its invoice instead. Returns the invoice, or nil when the document
    /// cannot be one.
    package func importDocument(_ order: ProviderOrder, tenant: TenantID, provider name: ProviderName) async throws -> Invoice? {
        if let proforma = try await takeTaxInvoiceMadeAtProvider(order, tenant: tenant) { return proforma }
        guard let document = importable(order, tenant: tenant, provider: name) else { return nil }
        let firstCheck = ReconciliationSchedule.firstCheck
        let logger = logger
        let imported: Invoice? = try await tenants.withTenant(tenant) { connection in
            let lines = document.lines
            let rows = try await connection.query(
                """
                INSERT INTO invoices (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description, expires_at, paid_at,
                                      canceled_at, provider_order_id, payment_url, provider_status, document_number, view_url, pdf_url,
                                      origin, synced_at, created_at,
                                      line_skus, line_names, line_quantities, line_unit_prices, line_amounts, line_vat_amounts, line_vat_codes)
                VALUES (\(UUID()), \(document.reservationID), \(document.status.rawValue), \(document.currency.rawValue), \(order.amount.value),
                        \(document.vatAmount.value), \(document.description), \(order.expirationDate),
                        \(document.status.isPaid ? (order.paidAt ?? Date()) : nil),
                        CASE WHEN \(document.status.rawValue) = 'canceled' THEN now() END, \(order.id), \(order.paymentURL),
                        \(order.status.rawValue), \(order.documents.number), \(order.documents.viewURL), \(order.documents.pdfURL),
                        'provider', now(), least(\(order.createdAt), now()),
                        \(lines.skus), \(lines.names), \(lines.quantities), \(lines.unitPrices), \(lines.amounts), \(lines.vatAmounts), \(lines.vatCodes))
                ON CONFLICT (provider_order_id) DO NOTHING
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            guard let imported = try await Invoice.decode(rows).first else { return nil }
            if ReconciliationSchedule.keeps(imported.status) {
                try await connection.query(
                    """
                    INSERT INTO folio.reconciliation_schedule (tenant_id, invoice_id, due_at, expires_at)
                    VALUES (\(tenant.rawValue), \(imported.id),
                            least(now() + \(firstCheck) * interval '1 second', \(imported.expiresAt) + interval '1 minute'), \(imported.expiresAt))
                    ON CONFLICT (tenant_id, invoice_id) DO NOTHING
                    """,
                    logger: logger
                )
            }
            // The events last before the commit, which is as long as the tenant's event counter stays locked.
            if imported.status != .open {
                try await EventLog.append(
                    .invoiceCreated, tenant: tenant, invoiceID: imported.id, reservationID: imported.reservationID,
                    data: EventData(invoice: imported), on: connection, logger: logger
                )
            }
            try await EventLog.appendChange(of: imported, tenant: tenant, on: connection, logger: logger)
            return imported
        }
        if let imported {
            logger.info(
                "document made at the provider imported",
                metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(imported.id)", "provider.document_id": "\(order.id)"])
            return imported
        }
        // Imported meanwhile by another delivery or pass: that invoice follows the document.
        guard let existing = try await Self.invoice(tenant, merchantOrderID: "", providerOrderID: order.id, in: tenants) else {
            throw InvoiceError.notFound
        }
        return try await apply(order, to: existing, tenant: tenant)
    }

    /// What an importable document becomes; nil, with the reason logged, for one Folio cannot hold.
    private func importable(_ order: ProviderOrder, tenant: TenantID, provider name: ProviderName) -> ImportedDocument? {
        var metadata: Logger.Metadata = ["tenant.id": "\(tenant)", "provider.document_id": "\(order.id)"]
        guard let currency = Currency(rawValue: order.currency.uppercased()) else {
            metadata["currency"] = "\(order.currency)"
            logger.debug("document not imported: a currency Folio does not invoice in", metadata: metadata)
            return nil
        }
        guard let status = Self.status(of: order.status) else {
            metadata["provider.status"] = "\(order.status)"
            logger.info("document not imported: a status Folio does not know", metadata: metadata)
            return nil
        }
        // A correction or an empty document has no positive total, which an invoice must have.
        guard order.amount.value > 0, order.amount.value <= MinorUnits.largestInvoiceTotal, !order.lines.isEmpty else {
            logger.info("document not imported: no lines or no positive total", metadata: metadata)
            return nil
        }
        var lines: [InvoiceLine] = []
        for (index, line) in order.lines.enumerated() {
            guard let vatCode = line.vatCode else {
                logger.info("document not imported: a line's VAT rate has no code in Folio", metadata: metadata)
                return nil
            }
            lines.append(Self.invoiceLine(line, number: index + 1, vatCode: vatCode))
        }
        let reservationID = "\(name.rawValue):\(order.id)"
        guard reservationID.count <= 128 else {
            logger.info("document not imported: its id is too long to name a reservation", metadata: metadata)
            return nil
        }
        let linesVAT = lines.reduce(MinorUnits.zero) { $0 + $1.totalVATAmount }
        let vatAmount = order.vatAmount.flatMap { (0...order.amount.value).contains($0.value) ? $0 : nil } ?? linesVAT
        let description = order.description?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return ImportedDocument(
            reservationID: reservationID, status: status, currency: currency, vatAmount: vatAmount,
            description: description.isEmpty ? "Invoice \(order.documents.number ?? order.id)" : description, lines: StoredLines(lines))
    }

    /// A document's line as an invoice line: its ordinal stands in for the host's SKU, which it
    /// never had. A whole quantity keeps its count with the unit price derived from the total
    /// (half up); a fractional one (`1.5` hours) is one unit at the total, as Folio's own receipts
    /// fall back to.
    static func invoiceLine(_ line: ProviderOrderLine, number: Int, vatCode: VATCode) -> InvoiceLine {
        let whole = NSDecimalNumber(decimal: line.quantity).int64Value
        let count: Int64 = Decimal(whole) == line.quantity && (1...1_000_000).contains(whole) ? whole : 1
        return InvoiceLine(
            sku: String(number), name: line.name, quantity: count, unitPrice: line.totalAmount.value.dividedRoundingHalfUp(by: count),
            totalAmount: line.totalAmount, totalVATAmount: vatCode.includedVAT(in: line.totalAmount), vatCode: vatCode)
    }
}

/// The columns an imported document fills beside those the provider's order gives as they are.
private struct ImportedDocument {
    var reservationID: String
    var status: InvoiceStatus
    var currency: Currency
    var vatAmount: MinorUnits
    var description: String
    var lines: StoredLines
}
