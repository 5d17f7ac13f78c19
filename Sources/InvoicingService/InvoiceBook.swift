import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry
import TokenVault

/// A tenant's invoices: created at the provider without ever a duplicate or a loss, listed from
/// Folio's own database, canceled and re-read on request.
///
/// Creation commits the invoice as `pending` (with a row in `folio.pending_creations`) before
/// the provider is called, and settles it in a second transaction. Whatever dies in between, a
/// retry or `InvoiceRecovery` sends the same order again under the same `merchantOrderId`, and
/// the adapter adopts the order the provider already has.
package struct InvoiceBook: Sendable {
    let tenants: TenantDirectory
    let setup: InvoicingSetup
    let provider: any PaymentProvider
    /// How the provider reaches Folio: the base of each order's `notificationUrl`.
    package let publicBaseURL: URL
    /// The largest invoice total accepted, in minor units.
    package let maximumAmount: Int64
    /// What a body may hold before the tenant's provider is known: every provider's currencies,
    /// codes and languages. The tenant's provider's own rules are applied when the invoice is
    /// recorded, with the shop read in the same statement.
    package var orderRules: any OrderRules { AnyProviderRules() }
    let logger: Logger
    /// How long an invoice stays payable when the host does not say.
    let defaultValidity: TimeInterval = 72 * 3600
    /// When the recovery job looks at a pending invoice whose creation is still running or died.
    let recoveryDelay: Int = 60

    package init(tenants: TenantDirectory, setup: InvoicingSetup, provider: any PaymentProvider, publicBaseURL: URL, maximumAmount: Int64, logger: Logger) {
        self.tenants = tenants
        self.setup = setup
        self.provider = provider
        self.publicBaseURL = publicBaseURL
        self.maximumAmount = maximumAmount
        self.logger = logger
    }

    package static let actor = "invoicing"

    // MARK: - Creating

    /// Validates, records and creates the invoice. With `resuming`, the invoice an earlier attempt
    /// of the same idempotent request recorded is finished instead of a new one.
    package func create(
        _ tenant: TenantID,
        request: InvoiceRequest,
        idempotencyKey: String? = nil,
        resuming: UUID? = nil
    ) async throws -> Invoice {
        // A resumed request was validated when it first ran; time-dependent rules (the expiry)
        // must not refuse it now.
        if let resuming, let earlier = try await invoice(tenant, id: resuming) {
            return try await finishCreation(tenant, earlier)
        }
        // Every rule but the provider's, before anything is read: a body no provider takes costs
        // no round trip.
        let violations = request.violations(maximumAmount: maximumAmount, rules: AnyProviderRules())
        guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
        let (invoice, shop) = try await recordPending(tenant, request: request, idempotencyKey: idempotencyKey)
        return try await send(invoice, request: request, tenant: tenant, shop: shop)
    }

    /// The first commit: the invoice as `pending`, its place in the recovery queue, the idempotency
    /// key's claim on it, and the shop with its token (read, and audited, with the invoice).
    ///
    /// Two statements, one on the registry's tables and one on the tenant's (no statement crosses
    /// the two, see docs/scaling.md). The first is the unit of work's own first statement
    /// (`CreationTenantRowStatement`): with the tenant's row it holds the shop's settings row
    /// (`FOR KEY SHARE`, as `InvoicingSetup.holdShop` explains) from the moment they are read,
    /// reads the token and writes its audit row, and queues the invoice for recovery; the token's
    /// row is locked too, so that a reconnect the statement waited for is read whole, its new
    /// settings with its new token, never the new settings with the old token. The second records
    /// the invoice under the key's claim. Nothing commits when invoicing is not active, or when a
    /// later attempt with the same key took it over and named its own invoice.
    private func recordPending(_ tenant: TenantID, request: InvoiceRequest, idempotencyKey: String?) async throws -> (Invoice, ShopCredentials) {
        let id = UUID()
        let totals = try Basket.totals(of: request.basketLines.map { try Basket.price($0) })
        let lines = StoredLines(try InvoiceLine.lines(of: request))
        let expiresAt = request.expiresAt ?? Date().addingTimeInterval(defaultValidity)
        let setup = setup
        let first = CreationTenantRowStatement(
            tenant: tenant, actor: Self.actor, invoiceID: id, kind: PendingCreations.Kind.invoice.rawValue, recoveryDelay: recoveryDelay)
        return try await tenants.withTenant(startingWith: first) { connection, shopRow in
            // The shop's columns are NULL when invoicing is not active.
            guard try PostgresRandomAccessRow(shopRow)[3].decode(String?.self) != nil else { throw InvoicingError.notActive }
            // The tenant's provider's rules, on the shop this statement holds: a refusal rolls
            // back the queue row and the audit row.
            let providerName = try InvoicingSetup.providerName(inLastColumnsOf: shopRow)
            let providerViolations = request.violations(maximumAmount: maximumAmount, rules: provider.orderRules(for: providerName))
            guard providerViolations.isEmpty else { throw ValidationFailure(violations: providerViolations) }
            if request.documentKind == .proforma, !provider.capabilities(of: providerName).contains(.proformas) {
                throw InvoicingError.notSupportedByProvider(operation: "issue proformas", provider: providerName)
            }
            let rows = try await connection.query(
                """
                WITH claimed AS (
                    UPDATE idempotency_records SET resource_id = \(id)
                    WHERE idempotency_key = \(idempotencyKey) AND resource_id IS NULL
                    RETURNING 1
                )
                INSERT INTO invoices (id, reservation_id, status, currency, amount_minor, vat_amount_minor, description, request, expires_at,
                                      line_skus, line_names, line_quantities, line_unit_prices, line_amounts, line_vat_amounts, line_vat_codes,
                                      display_number, document_kind)
                SELECT \(id), \(request.reservationID), 'pending', \(request.currency.rawValue), \(totals.amount.value), \(totals.vat.value),
                       \(request.description), \(request), \(expiresAt),
                       \(lines.skus), \(lines.names), \(lines.quantities), \(lines.unitPrices), \(lines.amounts), \(lines.vatAmounts), \(lines.vatCodes),
                       \(request.displayNumber), \((request.documentKind ?? .invoice).rawValue)
                WHERE \(idempotencyKey)::text IS NULL OR EXISTS (SELECT FROM claimed)
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            // The key already names another attempt's invoice: the throw rolls back the queue row and the audit row.
            guard let invoice = try await Invoice.decode(rows).first else { throw IdempotencyError.leaseLost }
            // Opened only now, when its audit row is sure to commit with the invoice.
            return (invoice, try setup.shopCredentials(of: tenant, inLastColumnsOf: shopRow))
        }
    }

    /// Finishes a pending invoice (the recovery job's entry point); any other invoice is returned as it is.
    package func finishCreation(_ tenant: TenantID, _ invoice: Invoice) async throws -> Invoice {
        guard invoice.status == .pending else {
            try await dequeue(tenant, invoice.id, kind: .invoice)
            return invoice
        }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        // An earlier attempt may have created the order: look first, so that a lookup that misses
        // after a duplicate refusal can never turn into a verdict.
        if let existing = try await provider.order(merchantOrderID: invoice.id.uuidString.lowercased(), shop: shop) {
            return try await settle(tenant, invoice.id, with: existing)
        }
        if let expiresAt = invoice.expiresAt, expiresAt <= Date() {
            // No order exists and none may be made any more: the invoice ends without one.
            try await closeWithoutOrder(tenant, invoice.id, status: .expired, code: "expired_before_creation", requestID: nil)
            return try await existing(tenant, invoice.id)
        }
        return try await send(invoice, request: try await storedRequest(tenant, invoice.id), tenant: tenant, shop: shop)
    }

    /// Creates (or adopts) the provider's order for a pending invoice, then the second commit.
    private func send(_ invoice: Invoice, request: InvoiceRequest, tenant: TenantID, shop: ShopCredentials) async throws -> Invoice {
        let draft = request.draft(
            invoiceID: invoice.id, notificationURL: notificationURL(of: tenant),
            defaultExpiry: invoice.expiresAt ?? Date().addingTimeInterval(defaultValidity)
        )
        let order: ProviderOrder
        do {
            order = try await provider.createOrder(draft, shop: shop)
        } catch let error as PaymentError {
            if let code = Self.definiteRefusal(error) {
                // The provider gave a definite no: the invoice failed and will not be retried.
                try await closeWithoutOrder(tenant, invoice.id, status: .failed, code: code, requestID: error.requestID)
            } else {
                FailureReport.record(
                    error, "invoice left pending; a retry or the recovery job will finish it", operation: "invoice.create",
                    tenant: tenant, extra: ["invoice.id": "\(invoice.id)"], logger: logger
                )
            }
            throw error
        }
        return try await settle(tenant, invoice.id, with: order)
    }

    /// The second commit: the provider's order id, payment URL and status, with the events.
    ///
    /// The invoice is one statement on the tenant's tables; its reconciliation schedule, its
    /// leaving the recovery queue and its event are one on the registry's, the last before the
    /// commit, so the tenant's event counter, locked by that statement, is held only for it and
    /// the commit. An invoice that awaits a tax invoice, or whose order had moved on, takes a
    /// statement or two more.
    private func settle(_ tenant: TenantID, _ id: UUID, with order: ProviderOrder) async throws -> Invoice {
        let status = Self.status(of: order.status) ?? .open
        let firstCheck = ReconciliationSchedule.firstCheck
        let settled: Invoice = try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                """
                UPDATE invoices SET status = \(status.rawValue), provider_order_id = \(order.id), payment_url = \(order.paymentURL),
                    provider_status = \(order.status.rawValue), paid_at = \(order.paidAt), document_number = \(order.documents.number),
                    view_url = \(order.documents.viewURL), pdf_url = \(order.documents.pdfURL),
                    canceled_at = CASE WHEN \(status.rawValue) = 'canceled' THEN now() END, synced_at = now(), updated_at = now()
                WHERE id = \(id) AND status = 'pending'
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            let settled = try await Invoice.decode(rows).first
            let bookkeeping: PostgresQuery = """
                scheduled AS (
                    INSERT INTO folio.reconciliation_schedule (tenant_id, invoice_id, due_at, expires_at)
                    SELECT \(tenant.rawValue), \(id),
                           least(now() + \(firstCheck) * interval '1 second', \(settled?.expiresAt)::timestamptz + interval '1 minute'),
                           \(settled?.expiresAt)
                    WHERE \(settled.map { ReconciliationSchedule.keeps($0.status) } ?? false)
                    ON CONFLICT (tenant_id, invoice_id) DO NOTHING
                ), dequeued AS (
                    DELETE FROM folio.pending_creations WHERE tenant_id = \(tenant.rawValue) AND resource_id = \(id) AND kind = 'invoice'
                )
                """
            guard let settled else {
                try await connection.run(expressions: bookkeeping, logger: logger)
                // Settled meanwhile by another attempt or the recovery job: answered as it is.
                return try await Self.invoice(id, on: connection, logger: logger)
            }
            // Run by the event's statement, the last before the commit, unless something must follow it.
            var alongside: PostgresQuery? = bookkeeping
            if settled.awaitsTaxInvoice {
                // The tax invoice's row takes the queue's place, so the creation's row leaves first.
                try await connection.run(expressions: bookkeeping, logger: logger)
                alongside = nil
                try await Self.queueTaxInvoice(of: settled, tenant: tenant, on: connection, logger: logger)
            }
            if settled.status != .open {
                // Adopted an order that had already moved on: the host learns both steps.
                try await EventLog.append(
                    .invoiceCreated, tenant: tenant, invoiceID: id, reservationID: settled.reservationID,
                    data: EventData(invoice: settled), alongside: alongside, on: connection, logger: logger
                )
                alongside = nil
            }
            try await EventLog.appendChange(of: settled, tenant: tenant, alongside: alongside, on: connection, logger: logger)
            return settled
        }
        return await issuingTaxInvoiceIfDue(settled, tenant: tenant)
    }

    /// The provider's code when `error` says for certain that nothing was or will be created;
    /// `nil` when it may still exist (a duplicate id whose order the lookup did not find).
    static func definiteRefusal(_ error: PaymentError) -> String? {
        switch error {
        case .duplicateOrderID:
            nil
        case .rejected, .notFound, .unauthorized:
            error.providerCode ?? "rejected"
        case .existingOrderDiffers:
            "existing_order_differs"
        default:
            nil
        }
    }

    private func closeWithoutOrder(_ tenant: TenantID, _ id: UUID, status: InvoiceStatus, code: String, requestID: String?) async throws {
        try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                """
                UPDATE invoices SET status = \(status.rawValue), failure_code = \(code), provider_request_id = \(requestID), updated_at = now()
                WHERE id = \(id) AND status = 'pending'
                RETURNING \(unescaped: Invoice.columns)
                """,
                logger: logger
            )
            let closed = try await Invoice.decode(rows).first
            try await PendingCreations.remove(id, kind: .invoice, of: tenant, on: connection, logger: logger)
            // Last before the commit, which is as long as the tenant's event counter stays locked.
            if let closed {
                try await EventLog.appendChange(of: closed, tenant: tenant, on: connection, logger: logger)
            }
        }
    }

    func dequeue(_ tenant: TenantID, _ id: UUID, kind: PendingCreations.Kind) async throws {
        try await tenants.withTenant(tenant) { connection in
            try await PendingCreations.remove(id, kind: kind, of: tenant, on: connection, logger: logger)
        }
    }

    /// Where the provider notifies Folio about the tenant's orders: the URL of the shop's cabinet.
    package func notificationURL(of tenant: TenantID) -> URL {
        publicBaseURL.appendingPathComponent("v1/providers/invoicebox/notifications/\(tenant)")
    }

    // MARK: - Reading

    package func invoice(_ tenant: TenantID, id: UUID) async throws -> Invoice? {
        try await tenants.read(tenant) { schema in
            "SELECT \(unescaped: Invoice.columns) FROM \(unescaped: schema.table("invoices")) WHERE id = \(id)"
        } decode: { rows in
            try await Invoice.decode(rows).first
        }
    }

    /// What the host asked for when it created the invoice: what a resent creation sends again,
    /// and what a refund's lines take their attributes from.
    func storedRequest(_ tenant: TenantID, _ id: UUID) async throws -> InvoiceRequest {
        let request = try await tenants.read(tenant) { schema in
            "SELECT request FROM \(unescaped: schema.table("invoices")) WHERE id = \(id)"
        } decode: { rows in
            try await rows.decode(InvoiceRequest.self).collect().first
        }
        guard let request else { throw InvoiceError.notFound }
        return request
    }

    /// The invoice a provider order belongs to: the one its `merchantOrderId` names (Folio's
    /// invoice id), else the one that holds the order. One statement, outside a transaction.
    /// A tax invoice issued from an invoice's proforma names that invoice too (see
    /// `OrderDocumentKind.taxInvoiceMerchantOrderID`), and is found as another document of it.
    package static func invoice(_ tenant: TenantID, merchantOrderID: String, providerOrderID: String, in tenants: TenantDirectory) async throws -> Invoice? {
        let id = invoiceID(ofMerchantOrderID: merchantOrderID)
        return try await tenants.read(tenant) { schema in
            """
            SELECT \(unescaped: Invoice.columns) FROM \(unescaped: schema.table("invoices")) WHERE id = \(id) OR provider_order_id = \(providerOrderID)
            ORDER BY id = \(id) DESC NULLS LAST LIMIT 1
            """
        } decode: { rows in
            try await Invoice.decode(rows).first
        }
    }

    /// The invoice a `merchantOrderId` names: Folio's invoice id, or the invoice a tax invoice was
    /// issued for.
    private static func invoiceID(ofMerchantOrderID merchantOrderID: String) -> UUID? {
        UUID(uuidString: merchantOrderID) ?? OrderDocumentKind.invoiceID(ofTaxInvoice: merchantOrderID)
    }

    /// What a provider's notification must know first: the invoice its order belongs to (as
    /// `invoice(_:merchantOrderID:providerOrderID:in:)` finds it) and the notification accepted
    /// earlier with the same body, if any.
    ///
    /// By the invoice id the `merchantOrderId` carries, as every order Folio made does; by the
    /// provider's order id when it carries none, or names no invoice (then a second statement).
    /// One statement that matched either key cost PostgreSQL about twice as much to plan as one
    /// primary-key look-up (an `OR` over two indexes, ranked), on every notification.
    package static func invoiceAndAcceptedNotification(
        _ tenant: TenantID, merchantOrderID: String, providerOrderID: String, bodyDigest: Data, in tenants: TenantDirectory
    ) async throws -> (invoice: Invoice?, acceptedBefore: UUID?) {
        if let id = invoiceID(ofMerchantOrderID: merchantOrderID) {
            let found = try await invoiceAndAcceptedNotification(tenant, where: .id, is: id, bodyDigest: bodyDigest, in: tenants)
            if found.invoice != nil || found.acceptedBefore != nil { return found }
        }
        return try await invoiceAndAcceptedNotification(tenant, where: .providerOrderID, is: providerOrderID, bodyDigest: bodyDigest, in: tenants)
    }

    /// The unique columns a notification's invoice is looked up by.
    private enum InvoiceKey: String {
        case id
        case providerOrderID = "provider_order_id"
    }

    /// The invoice whose `key` is `value`, with the notification accepted earlier with the same
    /// body: one row whether or not either exists.
    private static func invoiceAndAcceptedNotification(
        _ tenant: TenantID, where key: InvoiceKey, is value: some PostgresNonThrowingEncodable, bodyDigest: Data, in tenants: TenantDirectory
    ) async throws -> (invoice: Invoice?, acceptedBefore: UUID?) {
        var binds = PostgresBindings()
        binds.append(value)
        try binds.append(bodyDigest, context: .default)
        let bound = binds
        return try await tenants.read(tenant) { schema in
            // The columns are the invoice's: `one` has none, and the subquery's own `id` is the notification's.
            PostgresQuery(
                unsafeSQL: """
                    SELECT \(Invoice.columns), (
                        SELECT id FROM \(schema.table("notifications")) WHERE body_sha256 = $2 AND verdict = 'success' AND replay_of IS NULL LIMIT 1
                    )
                    FROM (SELECT) AS one LEFT JOIN \(schema.table("invoices")) AS invoice ON invoice.\(key.rawValue) = $1
                    """,
                binds: bound
            )
        } decode: { rows in
            guard let row = try await rows.collect().first else { return (nil, nil) }
            let cells = PostgresRandomAccessRow(row)
            // A copy accepted before is answered without the invoice, which is then not decoded.
            if let acceptedBefore = try cells[cells.count - 1].decode(UUID?.self) { return (nil, acceptedBefore) }
            guard try cells[0].decode(UUID?.self) != nil else { return (nil, nil) }
            return (try Invoice(row: row), nil)
        }
    }

    /// Newest first; `limit` + 1 rows are read so that the last page has no cursor.
    package func list(_ tenant: TenantID, filter: InvoiceFilter, limit: Int, after cursor: String?) async throws -> InvoicePage {
        var position: InvoiceCursor?
        if let cursor {
            guard let decoded = InvoiceCursor(cursor) else { throw RegistryError.invalidCursor }
            position = decoded
        }
        // Only the filters given become conditions, so each shape of query gets the plan of its index.
        var conditions = ""
        var bindings = PostgresBindings()
        func condition(_ text: String, _ value: some PostgresNonThrowingEncodable) {
            bindings.append(value)
            conditions += " AND " + text.replacingOccurrences(of: "$?", with: "$\(bindings.count)")
        }
        if let status = filter.status { condition("status = $?", status.rawValue) }
        if let reservationID = filter.reservationID { condition("reservation_id = $?", reservationID) }
        if let from = filter.createdFrom { condition("created_at >= $?", from) }
        if let to = filter.createdTo { condition("created_at < $?", to) }
        if let position {
            bindings.append(position.createdMicros)
            let micros = bindings.count
            bindings.append(position.id)
            conditions += " AND (created_at, id) < (timestamptz 'epoch' + $\(micros)::bigint * interval '1 microsecond', $\(bindings.count))"
        }
        bindings.append(limit + 1)
        conditions += " ORDER BY created_at DESC, id DESC LIMIT $\(bindings.count)"
        let binds = bindings
        let rows = try await tenants.read(tenant) { schema in
            PostgresQuery(unsafeSQL: "SELECT \(Invoice.columns) FROM \(schema.table("invoices")) WHERE true" + conditions, binds: binds)
        } decode: { rows in
            try await Invoice.decode(rows)
        }
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { InvoiceCursor(createdMicros: $0.createdMicros, id: $0.id).encoded } : nil
        return InvoicePage(invoices: page, nextCursor: next)
    }

    // MARK: - Changing

    /// Cancels an unpaid invoice at the provider, or releases the funds a held one blocks on the
    /// guest's card. Canceling a canceled invoice answers it again.
    package func cancel(_ tenant: TenantID, id: UUID) async throws -> Invoice {
        var invoice = try await existing(tenant, id)
        if invoice.status == .pending {
            invoice = try await finishCreation(tenant, invoice)
        }
        switch invoice.status {
        case .canceled:
            return invoice
        case .open, .held:
            break
        default:
            throw InvoiceError.notCancelable(status: invoice.status, providerCode: nil, providerRequestID: nil)
        }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        guard let orderID = invoice.providerOrderID else { throw InvoiceError.notFound }
        do {
            let order = try await provider.cancelOrder(id: orderID, shop: shop)
            invoice = try await apply(order, to: invoice, tenant: tenant)
        } catch let error as PaymentError {
            guard error.isRefusal else { throw error }
            // The provider would not cancel: find out why (paid meanwhile, or expired) before answering.
            if let order = try? await provider.order(id: orderID, shop: shop) {
                invoice = try await apply(order, to: invoice, tenant: tenant)
            }
            throw InvoiceError.notCancelable(status: invoice.status, providerCode: error.providerCode, providerRequestID: error.requestID)
        }
        guard invoice.status == .canceled else {
            throw InvoiceError.notCancelable(status: invoice.status, providerCode: nil, providerRequestID: nil)
        }
        return invoice
    }

    /// Re-reads the invoice's order from the provider and applies what it says.
    package func sync(_ tenant: TenantID, id: UUID) async throws -> Invoice {
        let invoice = try await existing(tenant, id)
        if invoice.status == .pending {
            return try await finishCreation(tenant, invoice)
        }
        guard let orderID = invoice.providerOrderID else { return invoice }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        guard let order = try await provider.order(id: orderID, shop: shop) else { return invoice }
        return try await apply(order, to: invoice, tenant: tenant)
    }

    /// Moves the invoice to what the provider reports, if that is forward; replays change nothing.
    /// A paid proforma's tax invoice is issued right after the commit, unless another attempt holds it.
    package func apply(_ order: ProviderOrder, to invoice: Invoice, tenant: TenantID) async throws -> Invoice {
        let applied = try await tenants.withTenant(tenant) { connection in
            try await Self.apply(order, to: invoice.id, tenant: tenant, on: connection, logger: logger)
        }
        return await issuingTaxInvoiceIfDue(applied, tenant: tenant)
    }

    /// Moves the invoice to what the provider reports, if that is forward, with its event; replays
    /// change nothing. Runs on the caller's connection, inside its unit of work in the tenant's
    /// schema, so that what the caller records about the change commits with it. The rule is
    /// applied by the update to the invoice's status when the update holds its row, not to the one
    /// the caller saw. Returns the invoice as it ends up.
    ///
    /// - Parameter alongside: common table expressions that the update's statement runs too, such
    ///   as the record of the notification that reported the change: what commits with the change
    ///   costs no round trip of its own. On the tenant's tables only, unlike the registry's
    ///   expressions that ride on the event (`EventLog.append(…alongside:)`): mixing the two would
    ///   make a statement cross nodes on Citus (docs/scaling.md).
    package static func apply(
        _ order: ProviderOrder,
        to invoiceID: UUID,
        tenant: TenantID,
        alongside: PostgresQuery? = nil,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Invoice {
        guard let next = status(of: order.status) else {
            if let alongside { try await connection.run(expressions: alongside, logger: logger) }
            return try await recordProviderStatus(order, of: invoiceID, on: connection, logger: logger)
        }
        // The rule is checked by the update itself, on the row as it is when the update locks it:
        // each status the report moves goes to its own next one (a canceled order is a reversal
        // for a paid invoice, a cancel for an open one).
        let moves = InvoiceStatus.allCases.compactMap { from in Self.next(for: order.status, from: from).map { (from, $0) } }
        let movable = moves.map(\.0.rawValue)
        let targets = moves.map(\.1.rawValue)
        var statement = ExpressionsAlongside(alongside)
        let id = statement.bound(invoiceID)
        let movableStatuses = statement.bound(movable)
        let sql = """
            \(statement.with)moved AS (
                UPDATE invoices SET status = (\(statement.bound(targets))::text[])[array_position(\(movableStatuses)::text[], status)],
                    provider_status = \(statement.bound(order.status.rawValue)),
                    paid_at = COALESCE(paid_at, \(statement.bound(next.isPaid ? (order.paidAt ?? Date()) : nil))),
                    canceled_at = CASE WHEN \(statement.bound(next.rawValue)) = 'canceled' THEN COALESCE(canceled_at, now()) ELSE canceled_at END,
                    document_number = COALESCE(\(statement.bound(order.documents.number)), document_number),
                    view_url = COALESCE(\(statement.bound(order.documents.viewURL)), view_url),
                    pdf_url = COALESCE(\(statement.bound(order.documents.pdfURL)), pdf_url), synced_at = now(), updated_at = now(),
                    provider_order_id = COALESCE(provider_order_id, \(statement.bound(order.id))),
                    payment_url = COALESCE(payment_url, \(statement.bound(order.paymentURL)))
                WHERE id = \(id) AND status = ANY(\(movableStatuses))
                RETURNING *
            )
            SELECT \(Invoice.columns), (SELECT status FROM invoices WHERE id = \(id)) FROM moved
            """
        let rows = try await connection.query(statement.query(sql), logger: logger)
        guard let row = try await rows.collect().first else {
            // Already at or beyond what the provider reports: only the provider's status is kept.
            return try await recordProviderStatus(order, of: invoiceID, on: connection, logger: logger)
        }
        let updated = try Invoice(row: row)
        let cells = PostgresRandomAccessRow(row)
        let previous = try cells[cells.count - 1].decode(String.self)
        if updated.awaitsTaxInvoice {
            try await queueTaxInvoice(of: updated, tenant: tenant, on: connection, logger: logger)
        }
        // Last before the commit: the tenant's event counter stays locked from here to the commit.
        // An invoice that no longer needs its provider re-read leaves the schedule in the same statement.
        let unscheduled = ReconciliationSchedule.keeps(updated.status) ? nil : ReconciliationSchedule.removal(of: updated.id, of: tenant)
        try await EventLog.appendChange(of: updated, tenant: tenant, alongside: unscheduled, on: connection, logger: logger)
        logger.info(
            "invoice status changed",
            metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(invoiceID)", "from": "\(previous)", "to": "\(updated.status.rawValue)"]
        )
        return updated
    }

    /// Keeps what the provider reports without moving the invoice; returns the invoice as it is.
    private static func recordProviderStatus(_ order: ProviderOrder, of invoiceID: UUID, on connection: PostgresConnection, logger: Logger) async throws
        -> Invoice
    {
        let rows = try await connection.query(
            """
            UPDATE invoices SET provider_status = \(order.status.rawValue), document_number = COALESCE(\(order.documents.number), document_number),
                view_url = COALESCE(\(order.documents.viewURL), view_url), pdf_url = COALESCE(\(order.documents.pdfURL), pdf_url), synced_at = now()
            WHERE id = \(invoiceID)
            RETURNING \(unescaped: Invoice.columns)
            """,
            logger: logger
        )
        guard let invoice = try await Invoice.decode(rows).first else { throw InvoiceError.notFound }
        return invoice
    }

    func existing(_ tenant: TenantID, _ id: UUID) async throws -> Invoice {
        guard let invoice = try await invoice(tenant, id: id) else { throw InvoiceError.notFound }
        return invoice
    }

    static func invoice(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Invoice {
        let rows = try await connection.query(
            "SELECT \(unescaped: Invoice.columns) FROM invoices WHERE id = \(id)",
            logger: logger
        )
        guard let invoice = try await Invoice.decode(rows).first else { throw InvoiceError.notFound }
        return invoice
    }

    /// Folio's status for the provider's; `nil` for a draft, which says nothing new, and for a
    /// status this version does not know, which is never guessed at.
    package static func status(of provider: ProviderOrderStatus) -> InvoiceStatus? {
        switch provider {
        case .created: .open
        case .completed: .paid
        case .canceled, .voided: .canceled
        case .expired: .expired
        case .hold: .held
        case .partiallyPaid: .partiallyPaid
        case .draft, .unrecognized: nil
        }
    }
}
