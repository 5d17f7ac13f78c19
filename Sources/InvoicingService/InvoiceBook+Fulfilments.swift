import FolioDomain
import Foundation
import Logging
import PaymentsPort
import PostgresNIO
import TenantRegistry

extension InvoiceBook {
    /// How long one attempt may hold a pending fulfilment while it talks to the provider: longer
    /// than a write and the lookup after it take, so that a live attempt is never overtaken, and
    /// short enough that a crashed one does not block the invoice for long.
    static let fulfilmentSendingLease = 120

    /// Records at the provider that (some of) a held or paid invoice was rendered: a shipment,
    /// which captures held funds. Like a refund, the fulfilment is committed as `pending` first,
    /// under a lock on the invoice and counted against it, so that concurrent fulfilments can
    /// never together ship more than the invoice holds.
    package func fulfil(
        _ tenant: TenantID,
        invoiceID: UUID,
        request: FulfilmentRequest,
        idempotencyKey: String? = nil,
        resuming: UUID? = nil
    ) async throws -> Fulfilment {
        let violations = request.violations()
        guard violations.isEmpty else { throw ValidationFailure(violations: violations) }
        if let resuming, let earlier = try await fulfilment(tenant, id: resuming), earlier.invoiceID == invoiceID {
            return try await finishFulfilment(tenant, earlier)
        }
        guard try await invoice(tenant, id: invoiceID) != nil else { throw InvoiceError.notFound }
        try require(.fulfilments, of: try await setup.shop(of: tenant, actor: Self.actor), operation: "record fulfilments")
        // An earlier fulfilment no attempt is sending any more (its answer was lost, its process
        // died) is settled first: whether it exists at the provider decides what is left.
        // One that cannot be settled now still counts against the invoice, so the new one is
        // planned against it rather than refused.
        for earlier in try await fulfilments(tenant, invoiceID: invoiceID) where earlier.status == .pending {
            do {
                _ = try await finishFulfilment(tenant, earlier, onlyIfIdle: true)
            } catch {
                FailureReport.record(
                    error, "an earlier pending fulfilment was not settled; it still counts", operation: "fulfilment.settle", tenant: tenant,
                    extra: ["fulfilment.id": "\(earlier.id)"], logger: logger
                )
            }
        }
        let shop = try await setup.shop(of: tenant, actor: Self.actor)
        let (fulfilment, invoice) = try await recordPendingFulfilment(
            tenant, invoiceID: invoiceID, request: request, idempotencyKey: idempotencyKey, merchantID: shop.merchantID
        )
        return try await releasingLease(of: fulfilment, tenant: tenant) { sent in
            try await sendFulfilment(fulfilment, of: invoice, tenant: tenant, shop: shop, sent: &sent)
        }
    }

    package func fulfilments(_ tenant: TenantID, invoiceID: UUID) async throws -> [Fulfilment] {
        try await tenants.withTenant(tenant, reading: true) { connection in
            let invoices = try await connection.query("SELECT 1 FROM invoices WHERE id = \(invoiceID)", logger: logger)
            guard try await invoices.firstElement() != nil else { throw InvoiceError.notFound }
            return try await Fulfilment.decode(
                connection.query(
                    "SELECT \(unescaped: Fulfilment.columns) FROM fulfilments WHERE invoice_id = \(invoiceID) ORDER BY created_at, id",
                    logger: logger
                ))
        }
    }

    package func fulfilment(_ tenant: TenantID, id: UUID) async throws -> Fulfilment? {
        try await tenants.withTenant(tenant, reading: true) { connection in
            try await Fulfilment.decode(
                connection.query("SELECT \(unescaped: Fulfilment.columns) FROM fulfilments WHERE id = \(id)", logger: logger)
            ).first
        }
    }

    /// Finishes a pending fulfilment: adopts the shipment an earlier attempt made, or sends it.
    /// Any other fulfilment is returned as it is. Another attempt sending it right now answers
    /// `IdempotencyError.leaseLost`, or, with `onlyIfIdle`, leaves it pending.
    func finishFulfilment(_ tenant: TenantID, _ fulfilment: Fulfilment, onlyIfIdle: Bool = false) async throws -> Fulfilment {
        guard fulfilment.status == .pending else { return fulfilment }
        guard try await claimSending(tenant, fulfilment) else {
            if onlyIfIdle { return fulfilment }
            throw IdempotencyError.leaseLost
        }
        return try await releasingLease(of: fulfilment, tenant: tenant) { sent in
            guard let invoice = try await invoice(tenant, id: fulfilment.invoiceID), let orderID = invoice.providerOrderID else {
                throw InvoiceError.notFound
            }
            let shop = try await setup.shop(of: tenant, actor: Self.actor)
            // Looked for first, so that a second create can never make a second shipment. A
            // lookup that fails leaves it pending, and nothing is sent.
            if let existing = try await shipment(of: fulfilment, orderID: orderID, shop: shop) {
                return try await adoptShipment(existing, as: fulfilment, tenant: tenant)
            }
            return try await sendFulfilment(fulfilment, of: invoice, tenant: tenant, shop: shop, sent: &sent)
        }
    }

    /// The first commit: the fulfilment as `pending`, counted against the invoice, with this
    /// attempt's lease on sending it. The invoice row is locked, so that the fulfilments of one
    /// invoice are planned one at a time against what is really left.
    private func recordPendingFulfilment(
        _ tenant: TenantID,
        invoiceID: UUID,
        request: FulfilmentRequest,
        idempotencyKey: String?,
        merchantID: String
    ) async throws -> (Fulfilment, Invoice) {
        let id = UUID()
        let lease = Self.fulfilmentSendingLease
        return try await tenants.withTenant(tenant) { connection in
            try await InvoicingSetup.holdShop(of: tenant, merchantID: merchantID, on: connection, logger: logger)
            let locked = try await Invoice.decode(
                connection.query("SELECT \(unescaped: Invoice.columns) FROM invoices WHERE id = \(invoiceID) FOR UPDATE", logger: logger)
            )
            guard let invoice = locked.first else { throw InvoiceError.notFound }
            guard Self.fulfillable.contains(invoice.status), invoice.providerOrderID != nil else {
                throw FulfilmentError.notFulfillable(status: invoice.status)
            }
            let earlier = try await Fulfilment.decode(
                connection.query(
                    "SELECT \(unescaped: Fulfilment.columns) FROM fulfilments WHERE invoice_id = \(invoiceID) AND status <> 'failed'",
                    logger: logger
                ))
            let counted = earlier.filter(\.status.counts)
            if counted.contains(where: \.final) { throw FulfilmentError.closed }
            let documentNumber = request.documentNumber ?? id.uuidString.lowercased()
            if earlier.contains(where: { $0.documentNumber == documentNumber }) { throw FulfilmentError.documentNumberUsed }
            let refunds = try await Refund.decode(
                connection.query(
                    "SELECT \(unescaped: Refund.columns) FROM refunds WHERE invoice_id = \(invoiceID) AND status NOT IN ('failed', 'canceled')",
                    logger: logger
                ))
            let lines = try Self.plan(request, invoice: invoice, earlier: counted, refunds: refunds)
            let amount = lines.reduce(Int64(0)) { $0 + $1.amount }
            let vat = lines.reduce(Int64(0)) { $0 + $1.vatAmount }
            let rows = try await connection.query(
                """
                INSERT INTO fulfilments (id, invoice_id, status, amount_minor, vat_amount_minor, lines, document_number, document_date, final,
                                         sending_until)
                VALUES (\(id), \(invoiceID), 'pending', \(amount), \(vat), \(StoredLineArray(lines)), \(documentNumber),
                        \(request.documentDate)::date, \(request.final), now() + \(lease) * interval '1 second')
                RETURNING \(unescaped: Fulfilment.columns)
                """,
                logger: logger
            )
            // Due once this attempt's lease has passed: the recovery job finishes what it left.
            try await PendingCreations.enqueue(.fulfilment, id, of: tenant, after: lease, idempotencyKey: idempotencyKey, on: connection, logger: logger)
            guard let fulfilment = try await Fulfilment.decode(rows).first else { throw InvoiceError.notFound }
            return (fulfilment, invoice)
        }
    }

    /// The statuses in which the guest's money is held or taken: what a fulfilment needs.
    static let fulfillable: Set<InvoiceStatus> = [.held, .paid, .partiallyRefunded]

    /// What each line renders, priced from the invoice's stored lines as the provider is sent
    /// them: never more of a line than is left of it, so never more than the order. A unit the
    /// guest got money back for, even in part, is not left: the closing documents would state a
    /// service the guest was refunded.
    static func plan(_ request: FulfilmentRequest, invoice: Invoice, earlier: [Fulfilment], refunds: [Refund] = []) throws -> [FulfilmentLine] {
        var fulfilled: [Int: Int64] = [:]
        for line in earlier.flatMap(\.lines) { fulfilled[line.line, default: 0] += line.quantity }
        var refundedBySKU: [String: Int64] = [:]
        for line in refunds.flatMap(\.lines) { refundedBySKU[line.sku, default: 0] += line.amount }
        for (index, line) in invoice.lines.enumerated() {
            guard let refunded = refundedBySKU[line.sku], refunded > 0, line.unitPrice > 0 else { continue }
            fulfilled[index, default: 0] += (refunded + line.unitPrice - 1) / line.unitPrice
        }
        let priced = invoice.lines
        func left(_ index: Int) -> Int64 { priced[index].quantity - fulfilled[index, default: 0] }
        var wanted: [(index: Int, quantity: Int64)] = []
        if let lines = request.lines {
            var unknown: [FieldViolation] = []
            var exceeding: [FieldViolation] = []
            for (position, line) in lines.enumerated() {
                guard priced.indices.contains(line.index) else {
                    unknown.append(FieldViolation(pointer: "/items/\(position)/line", code: "unknown", detail: "the invoice has no line with this index"))
                    continue
                }
                if line.quantity > left(line.index) {
                    exceeding.append(
                        FieldViolation(
                            pointer: "/items/\(position)/quantity", code: "exceeds_unfulfilled",
                            detail: "at most \(max(0, left(line.index))) of this line are left to fulfil"))
                }
                wanted.append((line.index, line.quantity))
            }
            guard unknown.isEmpty else { throw ValidationFailure(violations: unknown) }
            guard exceeding.isEmpty else { throw FulfilmentError.exceedsInvoice(exceeding) }
        } else {
            wanted = priced.indices.filter { left($0) > 0 }.map { ($0, left($0)) }
            guard !wanted.isEmpty else {
                throw FulfilmentError.exceedsInvoice([
                    FieldViolation(pointer: "/items", code: "exceeds_unfulfilled", detail: "every line of the invoice is fulfilled already")
                ])
            }
        }
        return try wanted.map { index, quantity in
            let line = priced[index]
            let shipped = try Basket.price(
                BasketLineRequest(sku: line.sku, name: line.name, quantity: quantity, unitPrice: MinorUnits(line.unitPrice), vatCode: line.vatCode)
            )
            return FulfilmentLine(
                line: index, sku: line.sku, quantity: quantity, amount: shipped.totalAmount.value, vatAmount: shipped.totalVATAmount.value
            )
        }
    }

    /// Creates the provider's shipment, then the second commit. A held invoice is read again
    /// right after, since the shipment captured its funds; a read that fails is left to the
    /// notification and to reconciliation.
    private func sendFulfilment(
        _ fulfilment: Fulfilment, of invoice: Invoice, tenant: TenantID, shop: ShopCredentials, sent: inout Bool
    ) async throws -> Fulfilment {
        guard let orderID = invoice.providerOrderID else { throw FulfilmentError.notFulfillable(status: invoice.status) }
        let request = try await storedRequest(tenant, invoice.id)
        let lines = fulfilment.lines.map { line in
            let invoiceLine = invoice.lines.indices.contains(line.line) ? invoice.lines[line.line] : nil
            let item =
                request.items.indices.contains(line.line)
                ? request.items[line.line]
                : InvoiceRequest.Item(sku: line.sku, name: line.sku, quantity: line.quantity, unitPrice: line.amount / line.quantity, vatCode: .none)
            return item.orderLine(
                BasketLineRequest(
                    sku: line.sku, name: invoiceLine?.name ?? item.name, quantity: line.quantity,
                    unitPrice: MinorUnits(invoiceLine?.unitPrice ?? item.unitPrice), vatCode: invoiceLine?.vatCode ?? item.vatCode
                ))
        }
        let draft = ShipmentDraft(
            orderID: orderID, documentNumber: fulfilment.documentNumber, documentDate: fulfilment.documentDate, lines: lines, final: fulfilment.final
        )
        let shipment: ProviderShipment
        do {
            sent = true
            shipment = try await provider.createShipment(draft, shop: shop)
        } catch let error as PaymentError {
            if let code = Self.definiteRefusal(error) {
                // Nothing was recorded, and what it counted is free again.
                _ = try await moveFulfilment(tenant, fulfilment, to: .failed, failureCode: code)
            } else if let found = try? await self.shipment(of: fulfilment, orderID: orderID, shop: shop) {
                // The answer was lost, the shipment was made.
                return try await adoptShipment(found, as: fulfilment, tenant: tenant)
            } else {
                FailureReport.record(
                    error, "fulfilment left pending; a retry or the next fulfilment of the invoice will look for it", operation: "fulfilment.create",
                    tenant: tenant, extra: ["fulfilment.id": "\(fulfilment.id)"], logger: logger
                )
            }
            throw error
        }
        return try await adoptShipment(shipment, as: fulfilment, tenant: tenant)
    }

    /// The shipment made for this fulfilment: the order's shipment under its document number.
    private func shipment(of fulfilment: Fulfilment, orderID: String, shop: ShopCredentials) async throws -> ProviderShipment? {
        try await provider.shipments(orderID: orderID, shop: shop).first {
            $0.orderID == orderID && $0.documentNumber == fulfilment.documentNumber
        }
    }

    /// Takes the provider's shipment as this fulfilment, if the amounts agree; a held invoice is
    /// then read again, since the shipment captured its funds.
    private func adoptShipment(_ shipment: ProviderShipment, as fulfilment: Fulfilment, tenant: TenantID) async throws -> Fulfilment {
        guard shipment.amount.value == fulfilment.amount else {
            // That shipment is not this fulfilment's (one made in the provider's cabinet under the
            // same number): this one was never sent, and what it counted is free again.
            logger.error(
                "the provider holds a different shipment under this fulfilment's document number; it failed",
                metadata: ["tenant.id": "\(tenant)", "fulfilment.id": "\(fulfilment.id)", "provider.shipment_id": "\(shipment.id)"]
            )
            _ = try await moveFulfilment(tenant, fulfilment, to: .failed, failureCode: "existing_shipment_differs")
            throw PaymentError.existingOrderDiffers(orderID: shipment.id, ProviderDiagnostics(cause: "existing_shipment_differs"))
        }
        let moved = try await moveFulfilment(tenant, fulfilment, to: Fulfilment.Status(provider: shipment.status) ?? .created, providerShipmentID: shipment.id)
        if try await invoice(tenant, id: fulfilment.invoiceID)?.status == .held {
            _ = try? await sync(tenant, id: fulfilment.invoiceID)
        }
        return moved
    }

    /// Moves a pending fulfilment to `next`, with its event, in one transaction that locks the
    /// invoice first, as a new fulfilment does. Any other fulfilment is returned as it is.
    private func moveFulfilment(
        _ tenant: TenantID, _ fulfilment: Fulfilment, to next: Fulfilment.Status, providerShipmentID: String? = nil, failureCode: String? = nil
    ) async throws -> Fulfilment {
        try await tenants.withTenant(tenant) { connection in
            let invoices = try await Invoice.decode(
                connection.query("SELECT \(unescaped: Invoice.columns) FROM invoices WHERE id = \(fulfilment.invoiceID) FOR UPDATE", logger: logger)
            )
            guard let invoice = invoices.first else { throw InvoiceError.notFound }
            let rows = try await connection.query(
                """
                UPDATE fulfilments SET status = \(next.rawValue), provider_shipment_id = COALESCE(provider_shipment_id, \(providerShipmentID)),
                    failure_code = COALESCE(\(failureCode), failure_code), sending_until = NULL, updated_at = now()
                WHERE id = \(fulfilment.id) AND status = 'pending'
                RETURNING \(unescaped: Fulfilment.columns)
                """,
                logger: logger
            )
            guard let moved = try await Fulfilment.decode(rows).first else {
                let current = try await Fulfilment.decode(
                    connection.query("SELECT \(unescaped: Fulfilment.columns) FROM fulfilments WHERE id = \(fulfilment.id)", logger: logger)
                )
                guard let current = current.first else { throw InvoiceError.notFound }
                return current
            }
            try await PendingCreations.remove(fulfilment.id, kind: .fulfilment, of: tenant, on: connection, logger: logger)
            logger.info(
                "fulfilment status changed",
                metadata: [
                    "tenant.id": "\(tenant)", "invoice.id": "\(fulfilment.invoiceID)", "fulfilment.id": "\(fulfilment.id)", "to": "\(next.rawValue)",
                ]
            )
            // Last before the commit: the tenant's event counter stays locked from here to the commit.
            if next.counts {
                try await EventLog.append(
                    .invoiceFulfilled, tenant: tenant, invoiceID: invoice.id, reservationID: invoice.reservationID,
                    data: EventData(invoice: invoice, fulfilment: moved), on: connection, logger: logger
                )
            }
            return moved
        }
    }

    /// Takes this attempt's lease on sending a pending fulfilment; false when another attempt holds it.
    private func claimSending(_ tenant: TenantID, _ fulfilment: Fulfilment) async throws -> Bool {
        let lease = Self.fulfilmentSendingLease
        return try await tenants.withTenant(tenant) { connection in
            let rows = try await connection.query(
                """
                UPDATE fulfilments SET sending_until = now() + \(lease) * interval '1 second'
                WHERE id = \(fulfilment.id) AND status = 'pending' AND (sending_until IS NULL OR sending_until < now())
                RETURNING 1
                """,
                logger: logger
            )
            return try await rows.firstElement() != nil
        }
    }

    /// Runs `body`, and gives the lease on a fulfilment that is still pending up when it fails
    /// before the shipment was asked for, so that the next attempt need not wait for it to run
    /// out. Once the shipment may have been sent, the lease is kept until it runs out: the
    /// provider may still be making it, and a shipment has no key of its own that would stop an
    /// attempt sending it again. The recovery job looks for it after the lease.
    private func releasingLease(
        of fulfilment: Fulfilment, tenant: TenantID, _ body: (inout Bool) async throws -> Fulfilment
    ) async throws -> Fulfilment {
        var sent = false
        do {
            return try await body(&sent)
        } catch {
            guard !sent else { throw error }
            _ = try? await tenants.withTenant(tenant) { connection in
                try await connection.query(
                    "UPDATE fulfilments SET sending_until = NULL WHERE id = \(fulfilment.id) AND status = 'pending'",
                    logger: logger
                )
            }
            throw error
        }
    }
}

extension EventData {
    /// A fulfilment as its event shows it.
    package struct FulfilmentData: Codable, Sendable, Equatable {
        package var id: String
        package var amount: Int64
        package var status: String
        package var documentNumber: String
        package var final: Bool
        package var items: [FulfilmentLine]
    }

    init(invoice: Invoice, fulfilment: Fulfilment) {
        self.init(invoice: invoice)
        self.fulfilment = FulfilmentData(
            id: fulfilment.id.uuidString.lowercased(), amount: fulfilment.amount, status: fulfilment.status.rawValue,
            documentNumber: fulfilment.documentNumber, final: fulfilment.final, items: fulfilment.lines
        )
    }
}
