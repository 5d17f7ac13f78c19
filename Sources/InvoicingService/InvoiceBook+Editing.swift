import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

extension InvoiceBook {
    /// How long one attempt may hold a pending edit while it talks to the provider: longer than a
    /// write and the read after a refusal take, so that a live attempt is not overtaken, and short
    /// enough that a lost one does not block the next edit for long. The recovery job looks once
    /// it has passed.
    static let editSendingLease = 120

    /// An edit committed as pending: the whole edited request, as the provider is sent it.
    struct PendingEdit: Sendable {
        let id: UUID
        /// The invoice as it was when the edit was claimed, its stored content unchanged.
        let invoice: Invoice
        let request: InvoiceRequest
        let amount: Int64
    }

    /// What the first commit found.
    private enum EditRecord: Sendable {
        case recorded(PendingEdit)
        /// An earlier edit is still pending; `sending` while an attempt holds its lease.
        case earlier(UUID, sending: Bool)
    }

    /// Changes an open invoice before payment: the members `changes` gives replace the invoice's,
    /// the result is validated and priced as a new invoice would be, the provider's order is
    /// updated, and the invoice is stored with an `invoice.updated` event.
    ///
    /// Like a refund, in two commits with no transaction open across the provider's call: the
    /// edited request is committed as the invoice's pending edit (with a row in
    /// `folio.pending_creations`, tied to the idempotency key), the order is updated, and a second
    /// transaction stores the edit if it is still the pending one. The update sets fields, so a
    /// lost answer is recovered by sending the same edit again: a retry with the same key
    /// (`resuming` names the edit) or `InvoiceRecovery` does. One edit of an invoice is pending at
    /// a time: another answers `InvoiceError.editInProgress` while an attempt is sending it, and
    /// finishes it first once that attempt's lease has passed.
    package func edit(
        _ tenant: TenantID,
        id: UUID,
        changes: InvoiceEdit,
        idempotencyKey: String? = nil,
        resuming: UUID? = nil
    ) async throws -> Invoice {
        if let resuming {
            if let pending = try await claimEdit(tenant, editID: resuming, evenIfSending: true), pending.invoice.id == id {
                return try await sendEdit(pending, tenant: tenant, resent: true)
            }
            // The earlier attempt settled its edit and died before answering: refusals are kept
            // for the key, so it was stored, and the invoice is answered as it is.
            if let settled = try await invoice(tenant, id: id), settled.status == .open {
                return settled
            }
        }
        var invoice = try await existing(tenant, id)
        try require(.edits, of: try await setup.shop(of: tenant, actor: Self.actor), operation: "edit invoices")
        // Checked before anything else so that a body that can never be right is answered as such.
        try checkEdit(changes, of: try await storedRequest(tenant, id))
        if invoice.status == .pending {
            invoice = try await finishCreation(tenant, invoice)
        }
        guard invoice.status == .open, invoice.providerOrderID != nil else {
            throw InvoiceError.notEditable(status: invoice.status, providerCode: nil, providerRequestID: nil)
        }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        var finishedEarlier = false
        while true {
            switch try await recordPendingEdit(tenant, id, changes: changes, idempotencyKey: idempotencyKey, merchantID: shop.merchantID) {
            case .recorded(let pending):
                return try await sendEdit(pending, tenant: tenant, shop: shop, resent: false)
            case .earlier(let earlier, let sending):
                // An edit no attempt is sending any more (its answer was lost) is settled first,
                // once: whether the provider took it decides what this one edits.
                guard !sending, !finishedEarlier else { throw InvoiceError.editInProgress }
                finishedEarlier = true
                guard let pending = try await claimEdit(tenant, editID: earlier, evenIfSending: false) else { continue }
                do {
                    _ = try await sendEdit(pending, tenant: tenant, shop: shop, resent: true)
                } catch {
                    // Its outcome is its own request's; this one goes on if it is settled.
                    if try await pendingEditID(tenant, id) == earlier { throw InvoiceError.editInProgress }
                }
            }
        }
    }

    /// Sends a pending edit again and stores or drops it (the recovery job's entry point). Returns
    /// whether it is settled; an edit no longer pending leaves the queue.
    package func finishEdit(_ tenant: TenantID, editID: UUID) async throws -> Bool {
        guard let pending = try await claimEdit(tenant, editID: editID, evenIfSending: true) else {
            try await dequeue(tenant, editID, kind: .edit)
            return true
        }
        do {
            _ = try await sendEdit(pending, tenant: tenant, resent: true)
        } catch {
            // A refusal that settled it (the guest paid) is an answer for the request, not a failure here.
            if try await pendingEditID(tenant, pending.invoice.id) == editID { throw error }
        }
        return true
    }

    /// The amount of the invoice's pending edit, if it has one: what a payment notification may
    /// already report while the edit is being stored. One statement, outside a transaction.
    package static func pendingEditAmount(_ tenant: TenantID, invoiceID: UUID, in tenants: TenantDirectory) async throws -> Int64? {
        try await tenants.read(tenant) { schema in
            "SELECT pending_amount_minor FROM \(unescaped: schema.table("invoices")) WHERE id = \(invoiceID) AND pending_edit_id IS NOT NULL"
        } decode: { rows in
            try await rows.decode(Int64.self).collect().first
        }
    }

    private func pendingEditID(_ tenant: TenantID, _ invoiceID: UUID) async throws -> UUID? {
        try await tenants.read(tenant) { schema in
            "SELECT pending_edit_id FROM \(unescaped: schema.table("invoices")) WHERE id = \(invoiceID)"
        } decode: { rows in
            try await rows.decode(UUID?.self).collect().first ?? nil
        }
    }

    private func checkEdit(_ changes: InvoiceEdit, of stored: InvoiceRequest) throws {
        let edited = changes.applied(to: stored)
        let violations = changes.violations(of: edited, maximumAmount: maximumAmount, rules: provider.orderRules)
        guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
    }

    /// The first commit: the edited request as the invoice's pending edit, with this attempt's
    /// lease on sending it and its row in the recovery queue. The invoice row is locked, so the
    /// edit is applied to what the invoice holds now, and no other edit is recorded beside it.
    private func recordPendingEdit(
        _ tenant: TenantID,
        _ id: UUID,
        changes: InvoiceEdit,
        idempotencyKey: String?,
        merchantID: String
    ) async throws -> EditRecord {
        let editID = UUID()
        let lease = Self.editSendingLease
        return try await tenants.withTenant(tenant) { connection in
            try await InvoicingSetup.holdShop(of: tenant, merchantID: merchantID, on: connection, logger: logger)
            let rows = try await connection.query(
                """
                SELECT \(unescaped: Invoice.columns), pending_edit_id, pending_edit_until > now(), request
                FROM invoices WHERE id = \(id) FOR UPDATE
                """,
                logger: logger
            )
            guard let row = try await rows.collect().first else { throw InvoiceError.notFound }
            let locked = try Invoice(row: row)
            let cells = PostgresRandomAccessRow(row)
            // The status again, under the lock: a notification may have moved it meanwhile.
            guard locked.status == .open, locked.providerOrderID != nil else {
                throw InvoiceError.notEditable(status: locked.status, providerCode: nil, providerRequestID: nil)
            }
            if let earlier = try cells[cells.count - 3].decode(UUID?.self) {
                return .earlier(earlier, sending: try cells[cells.count - 2].decode(Bool?.self) ?? false)
            }
            let request = changes.applied(to: try cells[cells.count - 1].decode(InvoiceRequest.self))
            try checkEdit(changes, of: request)
            let amount = try Basket.totals(of: request.basketLines.map { try Basket.price($0) }).amount.value
            try await connection.query(
                """
                UPDATE invoices SET pending_edit_id = \(editID), pending_request = \(request), pending_amount_minor = \(amount),
                    pending_edit_until = now() + \(lease) * interval '1 second'
                WHERE id = \(id)
                """,
                logger: logger
            )
            // Due once this attempt's lease has passed: the recovery job sends what it left.
            try await PendingCreations.enqueue(.edit, editID, of: tenant, after: lease, idempotencyKey: idempotencyKey, on: connection, logger: logger)
            return .recorded(PendingEdit(id: editID, invoice: locked, request: request, amount: amount))
        }
    }

    /// Takes a lease on sending a pending edit: while another attempt holds one only with
    /// `evenIfSending` (a retry of the same request, the recovery job), since sending the same
    /// edit twice is harmless. `nil` when it is not pending any more.
    private func claimEdit(_ tenant: TenantID, editID: UUID, evenIfSending: Bool) async throws -> PendingEdit? {
        let lease = Self.editSendingLease
        return try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                """
                UPDATE invoices SET pending_edit_until = now() + \(lease) * interval '1 second'
                WHERE pending_edit_id = \(editID) AND (\(evenIfSending) OR pending_edit_until < now())
                RETURNING \(unescaped: Invoice.columns), pending_request, pending_amount_minor
                """,
                logger: logger
            )
            guard let row = try await rows.collect().first else { return nil }
            let cells = PostgresRandomAccessRow(row)
            return PendingEdit(
                id: editID, invoice: try Invoice(row: row), request: try cells[cells.count - 2].decode(InvoiceRequest.self),
                amount: try cells[cells.count - 1].decode(Int64.self)
            )
        }
    }

    /// Updates the provider's order with the pending edit, then the second commit. `resent` when
    /// an earlier attempt may have sent it already.
    private func sendEdit(_ pending: PendingEdit, tenant: TenantID, shop: ShopCredentials? = nil, resent: Bool) async throws -> Invoice {
        let shop = if let shop { shop } else { try await setup.shop(of: tenant, actor: Self.actor) }
        let invoice = pending.invoice
        guard let orderID = invoice.providerOrderID else { throw InvoiceError.notFound }
        let draft = pending.request.draft(
            invoiceID: invoice.id, notificationURL: notificationURL(of: tenant),
            defaultExpiry: invoice.expiresAt ?? Date().addingTimeInterval(defaultValidity)
        )
        let logged: Logger.Metadata = ["invoice.id": "\(invoice.id)", "edit.id": "\(pending.id)"]
        let order: ProviderOrder
        do {
            order = try await provider.updateOrder(id: orderID, to: draft, shop: shop)
        } catch let error as PaymentError {
            guard error.isRefusal else {
                FailureReport.record(
                    error, "invoice edit left pending; a retry with its Idempotency-Key or the recovery job will finish it",
                    operation: "invoice.edit", tenant: tenant, extra: logged, logger: logger
                )
                throw error
            }
            // Find out why: an order that moved on (paid meanwhile) makes the edit too late, and
            // the invoice follows the provider. An order still awaiting payment refused the content.
            let current: ProviderOrder?
            do {
                current = try await provider.order(id: orderID, shop: shop)
            } catch {
                // Sent before, the edit may have gone through before the order moved on: it stays
                // pending until a read says which. Sent once, it was refused and nothing changed.
                guard !resent else { throw error }
                current = nil
            }
            if let current, let reported = Self.status(of: current.status), reported != .open {
                // The guest paid the edited amount: the earlier attempt's update went through.
                let applied = resent && current.amount.value == pending.amount
                let settled = try await settleEdit(pending, tenant: tenant, storing: applied ? (current, draft.expiresAt) : nil, moving: current)
                if applied { return settled }
                throw InvoiceError.notEditable(status: settled.status, providerCode: error.providerCode, providerRequestID: error.requestID)
            }
            _ = try await settleEdit(pending, tenant: tenant, storing: nil, moving: nil)
            throw error
        }
        if let reported = Self.status(of: order.status), reported != .open {
            // A provider that takes the update of an order no longer awaiting payment: what was
            // paid for is what Folio keeps, the host learns the status, and an operator must look.
            let settled = try await settleEdit(pending, tenant: tenant, storing: nil, moving: order)
            let error = InvoiceError.editTakenAfterPayment(status: settled.status)
            FailureReport.record(
                error, "the provider took an invoice edit although the order was no longer awaiting payment; the edit was not stored",
                operation: "invoice.edit", tenant: tenant, extra: logged, level: .error, logger: logger
            )
            throw error
        }
        return try await settleEdit(pending, tenant: tenant, storing: (order, draft.expiresAt), moving: nil)
    }

    /// The second commit, if the edit is still the invoice's pending one: stores it (with what
    /// the provider answered and the expiry it was sent) or drops it, moves the invoice to
    /// `moving`'s status, and takes the edit out of the recovery queue. Returns the invoice as it
    /// ends up; an edit settled meanwhile by another attempt leaves it as it is.
    private func settleEdit(
        _ pending: PendingEdit,
        tenant: TenantID,
        storing stored: (order: ProviderOrder, expiresAt: Date)?,
        moving moved: ProviderOrder?
    ) async throws -> Invoice {
        try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Invoice.columns), pending_edit_id FROM invoices WHERE id = \(pending.invoice.id) FOR UPDATE",
                logger: logger
            )
            guard let row = try await rows.collect().first else { throw InvoiceError.notFound }
            var invoice = try Invoice(row: row)
            let cells = PostgresRandomAccessRow(row)
            guard try cells[cells.count - 1].decode(UUID?.self) == pending.id else {
                try await PendingCreations.remove(pending.id, kind: .edit, of: tenant, on: connection, logger: logger)
                return invoice
            }
            try await connection.query(
                """
                UPDATE invoices SET pending_edit_id = NULL, pending_request = NULL, pending_amount_minor = NULL, pending_edit_until = NULL
                WHERE id = \(pending.invoice.id)
                """,
                logger: logger
            )
            try await PendingCreations.remove(pending.id, kind: .edit, of: tenant, on: connection, logger: logger)
            if let stored {
                // Stored whatever the status now: the provider's order holds the edit, so what the
                // guest pays (or paid) is the edited invoice.
                invoice = try await Self.store(
                    pending.request, expiresAt: stored.expiresAt, order: stored.order, of: pending.invoice.id, tenant: tenant,
                    on: connection, logger: logger
                )
            }
            if let moved {
                invoice = try await Self.apply(moved, to: pending.invoice.id, tenant: tenant, on: connection, logger: logger)
            }
            return invoice
        }
    }

    /// The edited request, its priced lines, totals and expiry, the reconciliation schedule's
    /// deadline, and the event, in the transaction that holds the invoice's row.
    private static func store(
        _ request: InvoiceRequest,
        expiresAt: Date,
        order: ProviderOrder,
        of id: UUID,
        tenant: TenantID,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Invoice {
        let priced = try InvoiceLine.lines(of: request)
        let totals = try Basket.totals(of: request.basketLines.map { try Basket.price($0) })
        let lines = StoredLines(priced)
        // The provider's status is kept only while the invoice is open: one that moved on meanwhile
        // holds a later report.
        let rows = try await connection.query(
            """
            UPDATE invoices SET request = \(request), description = \(request.description),
                amount_minor = \(totals.amount.value), vat_amount_minor = \(totals.vat.value), expires_at = \(expiresAt),
                line_skus = \(lines.skus), line_names = \(lines.names), line_quantities = \(lines.quantities),
                line_unit_prices = \(lines.unitPrices), line_amounts = \(lines.amounts), line_vat_amounts = \(lines.vatAmounts),
                line_vat_codes = \(lines.vatCodes),
                provider_status = CASE WHEN status = 'open' THEN \(order.status.rawValue) ELSE provider_status END,
                synced_at = now(), updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: Invoice.columns)
            """,
            logger: logger
        )
        guard let edited = try await Invoice.decode(rows).first else { throw InvoiceError.notFound }
        // The reconciliation job looks again right after the new deadline, not the old one.
        try await connection.query(
            """
            UPDATE folio.reconciliation_schedule SET expires_at = \(expiresAt), due_at = least(due_at, \(expiresAt) + interval '1 minute')
            WHERE tenant_id = \(tenant.rawValue) AND invoice_id = \(id)
            """,
            logger: logger
        )
        // Last before the commit, or before the status change that follows: the tenant's event
        // counter stays locked from here to the commit.
        try await EventLog.append(
            .invoiceUpdated, tenant: tenant, invoiceID: id, reservationID: edited.reservationID,
            data: EventData(invoice: edited), on: connection, logger: logger
        )
        logger.info("invoice edited", metadata: ["tenant.id": "\(tenant)", "invoice.id": "\(id)"])
        return edited
    }
}
