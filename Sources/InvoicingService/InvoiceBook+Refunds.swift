import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

extension InvoiceBook {
    /// Refunds a paid invoice in full or in part. Like creation, the refund is committed as
    /// `pending` first, with the money it gives back already counted against the invoice, so that
    /// concurrent refunds can never together return more than was paid.
    package func refund(
        _ tenant: TenantID,
        invoiceID: UUID,
        request: RefundRequest,
        idempotencyKey: String? = nil,
        resuming: UUID? = nil
    ) async throws -> Refund {
        let violations = request.violations()
        guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
        if let resuming, let earlier = try await refund(tenant, id: resuming), earlier.invoiceID == invoiceID {
            return try await finishRefund(tenant, earlier)
        }
        // An unknown invoice is 404 whatever the tenant's invoicing state.
        guard try await invoice(tenant, id: invoiceID) != nil else { throw InvoiceError.notFound }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        try require(.refunds, of: shop, operation: "refund through Folio")
        let (refund, invoice) = try await recordPendingRefund(
            tenant, invoiceID: invoiceID, request: request, idempotencyKey: idempotencyKey, merchantID: shop.merchantID
        )
        return try await send(refund, of: invoice, tenant: tenant, shop: shop)
    }

    package func refunds(_ tenant: TenantID, invoiceID: UUID) async throws -> [Refund] {
        try await tenants.withTenant(tenant, reading: true) { connection in
            guard try await Self.exists(invoiceID, on: connection, logger: logger) else { throw InvoiceError.notFound }
            return try await Refund.decode(
                connection.query(
                    "SELECT \(unescaped: Refund.columns) FROM refunds WHERE invoice_id = \(invoiceID) ORDER BY created_at, id",
                    logger: logger
                ))
        }
    }

    package func refund(_ tenant: TenantID, id: UUID) async throws -> Refund? {
        try await tenants.withTenant(tenant, reading: true) { connection in
            try await Refund.decode(connection.query("SELECT \(unescaped: Refund.columns) FROM refunds WHERE id = \(id)", logger: logger)).first
        }
    }

    /// Finishes a pending refund (a retry's and the recovery job's entry point); any other is
    /// returned as it is.
    package func finishRefund(_ tenant: TenantID, _ refund: Refund) async throws -> Refund {
        guard refund.status == .pending else {
            try await dequeue(tenant, refund.id, kind: .refund)
            return refund
        }
        guard let invoice = try await invoice(tenant, id: refund.invoiceID) else { throw InvoiceError.notFound }
        guard let parentOrderID = invoice.providerOrderID else { throw InvoiceError.notRefundable(status: invoice.status) }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        // An earlier attempt may have made the refund: look first, so that a refusal of a second
        // create (nothing left to refund, a duplicate) can never undo one that went through. A
        // lookup that fails leaves the refund pending, and nothing is sent.
        if let existing = try await provider.refund(merchantOrderID: refund.merchantOrderID, parentOrderID: parentOrderID, shop: shop) {
            return try await adopt(existing, as: refund, tenant: tenant)
        }
        return try await send(refund, of: invoice, tenant: tenant, shop: shop)
    }

    /// Takes the provider's refund made under this refund's id as this refund, if the amounts agree.
    private func adopt(_ existing: ProviderRefund, as refund: Refund, tenant: TenantID) async throws -> Refund {
        guard existing.amount.value == refund.amount else {
            throw differingRefund(tenant, refund, providerRefundID: existing.id, diagnostics: ProviderDiagnostics(cause: "existing_order_differs"))
        }
        return try await moveRefund(tenant, refund, to: Refund.Status(provider: existing.status) ?? .created, providerRefundID: existing.id)
    }

    /// The first commit: the refund as `pending`, its money counted against the invoice, and its
    /// place in the recovery queue. The invoice row is locked, so refunds of it are planned one
    /// at a time against what is really left.
    private func recordPendingRefund(
        _ tenant: TenantID,
        invoiceID: UUID,
        request: RefundRequest,
        idempotencyKey: String?,
        merchantID: String
    ) async throws -> (Refund, Invoice) {
        let id = UUID()
        let delay = recoveryDelay
        return try await tenants.withTenant(tenant) { connection in
            try await InvoicingSetup.holdShop(of: tenant, merchantID: merchantID, on: connection, logger: logger)
            let locked = try await Invoice.decode(
                connection.query(
                    "SELECT \(unescaped: Invoice.columns) FROM invoices WHERE id = \(invoiceID) FOR UPDATE",
                    logger: logger
                ))
            guard let invoice = locked.first else { throw InvoiceError.notFound }
            guard invoice.status == .paid || invoice.status == .partiallyRefunded, invoice.providerOrderID != nil else {
                throw InvoiceError.notRefundable(status: invoice.status)
            }
            let earlier = try await Refund.decode(
                connection.query(
                    "SELECT \(unescaped: Refund.columns) FROM refunds WHERE invoice_id = \(invoiceID) AND status NOT IN ('failed', 'canceled')",
                    logger: logger
                ))
            let lines = try Self.plan(request, invoice: invoice, earlier: earlier)
            let amount = lines.reduce(Int64(0)) { $0 + $1.amount }
            let vat = lines.reduce(Int64(0)) { $0 + $1.vatAmount }
            let description = request.description ?? "Refund: \(invoice.description)"
            let rows = try await connection.query(
                """
                INSERT INTO refunds (id, invoice_id, status, amount_minor, vat_amount_minor, lines, description)
                VALUES (\(id), \(invoiceID), 'pending', \(amount), \(vat), \(StoredLineArray(lines)), \(String(description.prefix(1000))))
                RETURNING \(unescaped: Refund.columns)
                """,
                logger: logger
            )
            try await connection.query(
                "UPDATE invoices SET refunded_minor = refunded_minor + \(amount), updated_at = now() WHERE id = \(invoiceID)",
                logger: logger
            )
            try await PendingCreations.enqueue(.refund, id, of: tenant, after: delay, idempotencyKey: idempotencyKey, on: connection, logger: logger)
            guard let refund = try await Refund.decode(rows).first else { throw InvoiceError.notFound }
            return (refund, invoice)
        }
    }

    /// What each line gives back. Never more than a line has left, so never more than was paid.
    static func plan(_ request: RefundRequest, invoice: Invoice, earlier: [Refund]) throws -> [RefundLine] {
        var refunded: [String: Int64] = [:]
        for line in earlier.flatMap(\.lines) { refunded[line.sku, default: 0] += line.amount }
        let priced = invoice.lines
        let left = Dictionary(uniqueKeysWithValues: priced.map { ($0.sku, $0.totalAmount.value - refunded[$0.sku, default: 0]) })
        var wanted: [(sku: String, amount: Int64)] = []
        if let lines = request.lines {
            var violations: [FieldViolation] = []
            for (index, line) in lines.enumerated() {
                guard let available = left[line.sku] else {
                    violations.append(FieldViolation(pointer: "/items/\(index)/sku", code: "unknown", detail: "the invoice has no line with this sku"))
                    continue
                }
                if line.amount > available {
                    violations.append(
                        FieldViolation(
                            pointer: "/items/\(index)/amount", code: "exceeds_refundable",
                            detail: "at most \(max(0, available)) minor units of this line are left to refund"))
                }
                wanted.append((line.sku, line.amount))
            }
            guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
        } else {
            let total = priced.reduce(Int64(0)) { $0 + max(0, left[$1.sku] ?? 0) }
            var remaining = request.amount ?? total
            guard remaining <= total, total > 0 else {
                throw ValidationFailure(violations: [
                    FieldViolation(
                        pointer: "/amount", code: "exceeds_refundable", detail: "at most \(total) minor units are left to refund"
                    )
                ])
            }
            for line in priced where remaining > 0 {
                let take = min(remaining, max(0, left[line.sku] ?? 0))
                if take > 0 { wanted.append((line.sku, take)) }
                remaining -= take
            }
        }
        let vatCodes = Dictionary(uniqueKeysWithValues: priced.map { ($0.sku, $0.vatCode) })
        return wanted.map { sku, amount in
            RefundLine(sku: sku, amount: amount, vatAmount: (vatCodes[sku] ?? .none).includedVAT(in: MinorUnits(amount)).value)
        }
    }

    /// Creates (or adopts) the provider's refund, then the second commit.
    private func send(_ refund: Refund, of invoice: Invoice, tenant: TenantID, shop: ShopCredentials) async throws -> Refund {
        guard let parentOrderID = invoice.providerOrderID else { throw InvoiceError.notRefundable(status: invoice.status) }
        let request = try await storedRequest(tenant, invoice.id)
        let items = request.items
        let skus = items.indices.map(request.sku(of:))
        // Each refunded line is one unit at the amount given back, with its invoice line's attributes.
        let lines = refund.lines.map { line in
            let item =
                skus.firstIndex(of: line.sku).map { items[$0] }
                ?? InvoiceRequest.Item(sku: line.sku, name: line.sku, quantity: 1, unitPrice: line.amount, vatCode: .none)
            return item.orderLine(
                BasketLineRequest(
                    sku: line.sku, name: item.name, quantity: 1, unitPrice: MinorUnits(line.amount),
                    vatCode: item.vatCode
                ))
        }
        let draft = RefundDraft(
            parentOrderID: parentOrderID, merchantOrderID: refund.merchantOrderID,
            description: refund.description, lines: lines
        )
        let providerRefund: ProviderRefund
        do {
            providerRefund = try await provider.createRefund(draft, shop: shop)
        } catch let error as PaymentError {
            if case .existingOrderDiffers(let providerRefundID, let diagnostics) = error {
                throw differingRefund(tenant, refund, providerRefundID: providerRefundID, diagnostics: diagnostics)
            }
            if let code = Self.definiteRefusal(error) {
                // Another attempt at this refund (a retry running beside a slow first one) may
                // have made it, and then this create is refused: only a refund the provider does
                // not hold under its id has failed. A lookup that fails leaves it pending.
                if let existing = try await provider.refund(merchantOrderID: refund.merchantOrderID, parentOrderID: parentOrderID, shop: shop) {
                    return try await adopt(existing, as: refund, tenant: tenant)
                }
                // Nothing was given back, and the money counted for it is free again.
                _ = try await moveRefund(tenant, refund, to: .failed, failureCode: code)
                // A refusal may mean the order itself moved on (a guarantee payment the provider
                // reversed): the invoice follows what a read of the order says.
                if let order = try? await provider.order(id: parentOrderID, shop: shop),
                    let moved = try? await apply(order, to: invoice, tenant: tenant), moved.status == .reversed
                {
                    throw InvoiceError.notRefundable(status: moved.status)
                }
            }
            throw error
        }
        return try await moveRefund(tenant, refund, to: Refund.Status(provider: providerRefund.status) ?? .created, providerRefundID: providerRefund.id)
    }

    /// The provider holds a refund under this one's id for another amount. Money may have gone
    /// back, so the refund stays pending and counted, and an operator must look.
    private func differingRefund(_ tenant: TenantID, _ refund: Refund, providerRefundID: String, diagnostics: ProviderDiagnostics) -> PaymentError {
        logger.error(
            "the provider holds a different refund under this refund's id; it stays pending",
            metadata: [
                "tenant.id": "\(tenant)", "refund.id": "\(refund.id)", "provider.refund_id": "\(providerRefundID)",
                "provider.request_id": "\(diagnostics.requestID ?? "none")",
            ]
        )
        return .existingOrderDiffers(orderID: providerRefundID, diagnostics)
    }

    private static func exists(_ invoiceID: UUID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query("SELECT 1 FROM invoices WHERE id = \(invoiceID)", logger: logger)
        return try await rows.firstElement() != nil
    }
}
